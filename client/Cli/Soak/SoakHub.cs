using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace VLOrleans.Cli.Soak;

/// <summary>
/// One SignalR connection to the chat hub (<c>/hubs/chat</c>) for one soak worker, as a browser would hold it: asks
/// stream <c>delta</c> items then one <c>done</c> item; a client going away cancels the stream (CancelInvocation).
/// </summary>
public sealed class SoakHub(Uri server, string? apiKey, SoakLedger ledger) : IAsyncDisposable
{
    private HubConnection? _connection;

    private async Task<HubConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { State: HubConnectionState.Connected } open) return open;
        if (_connection is not null) await _connection.DisposeAsync();
        _connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "/hubs/chat"), options =>
            {
                if (apiKey is not null) options.Headers["Authorization"] = $"Bearer {apiKey}";
            })
            .Build();
        await _connection.StartAsync(cancellationToken);
        return _connection;
    }

    /// <summary>Asks over the hub. Returns the stored turn's text (null when no <c>done</c> item came: the client went
    /// away, or the hub refused with a problem code, returned in <c>Refusal</c>) and the concatenated deltas.</summary>
    public async Task<(string? Done, string Deltas, string? Refusal)> AskAsync(string sessionId, string question, int maxTokens, bool disconnectAfterFirstDelta,
        CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var deltas = new StringBuilder();
        try
        {
            await foreach (var item in connection.StreamAsync<JsonElement>("Ask", sessionId, SoakHttp.AskBody(question, maxTokens, stream: true), leave.Token))
            {
                switch (item.GetProperty("type").GetString())
                {
                    case "delta":
                        deltas.Append(item.GetProperty("text").GetString());
                        if (disconnectAfterFirstDelta)
                        {
                            await leave.CancelAsync();
                            return (null, deltas.ToString(), null);
                        }
                        break;
                    case "done":
                        return (item.GetProperty("turn").GetProperty("text").GetString(), deltas.ToString(), null);
                }
            }
            return (null, deltas.ToString(), null);
        }
        catch (OperationCanceledException) when (leave.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (null, deltas.ToString(), null);
        }
        catch (HubException e)
        {
            // The hub's known failures carry their problem code first ("session_busy: …"), after SignalR's own prefix for
            // a stream that failed ("An error occurred on the server while streaming results. HubException: session_busy: …").
            const string marker = "HubException: ";
            var at = e.Message.IndexOf(marker, StringComparison.Ordinal);
            var code = (at >= 0 ? e.Message[(at + marker.Length)..] : e.Message).Split(':', 2)[0].Trim();
            var isProblem = code.Length > 0 && code.All(c => char.IsAsciiLetterLower(c) || c == '_') && code != "internal_error";
            if (!isProblem) ledger.ServerError($"hub: {e.Message}");
            return (null, deltas.ToString(), isProblem ? code : "server_error");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
