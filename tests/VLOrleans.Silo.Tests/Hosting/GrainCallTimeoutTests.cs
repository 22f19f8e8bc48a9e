using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Tests.Hosting;

/// <summary>
/// A grain call may wait as long as the server's queue honestly takes: with Orleans' own 30 s default, 8 concurrent
/// uploads of new photos on the 2b model failed as HTTP 500 (the encodes behind them went on). The silo takes its
/// per-call bound from <c>VLO:Orleans:ResponseTimeoutSeconds</c>.
/// </summary>
public sealed class GrainCallTimeoutTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("vlo-timeout-").FullName;

    [Theory]
    [InlineData(null, 600)]
    [InlineData("45", 45)]
    public void The_silo_s_grain_call_timeout_is_the_configured_one_not_orleans_30_seconds(string? configured, int expectedSeconds)
    {
        var builder = WebApplication.CreateBuilder();
        var settings = new Dictionary<string, string?> { ["VLO:DataPath"] = _data };
        if (configured is not null) settings["VLO:Orleans:ResponseTimeoutSeconds"] = configured;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddVLOrleansSilo();
        using var app = builder.Build();
        var messaging = app.Services.GetRequiredService<IOptions<SiloMessagingOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), messaging.ResponseTimeout);
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
