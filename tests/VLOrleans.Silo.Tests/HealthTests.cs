using System.Net;
using VLOrleans.Client;

namespace VLOrleans.Silo.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Server_answers_liveness_and_404_for_unknown_routes()
    {
        await using var server = await ServerProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        Assert.True(await new VLOrleansClient(http).IsAliveAsync());
        using var health = await http.GetAsync("/healthz");
        Assert.Equal("ok", await health.Content.ReadAsStringAsync());
        using var missing = await http.GetAsync("/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
