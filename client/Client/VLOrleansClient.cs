namespace VLOrleans.Client;

/// <summary>Client for a VLOrleans server. Sessions, uploads and streaming arrive with the session server (issue 6/7).</summary>
public sealed class VLOrleansClient(HttpClient http)
{
    /// <summary>True when the server answers its liveness probe.</summary>
    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("/healthz", cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }
}
