using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VLOrleans.Silo.Tests.Sessions;

/// <summary>
/// A minimal SignalR client over a raw WebSocket speaking the JSON hub protocol (no SignalR client package:
/// it is not in the registry here, and the raw frames are what the test wants to see). Messages are JSON
/// records each ended by 0x1E; types: 1 Invocation, 2 StreamItem, 3 Completion, 4 StreamInvocation,
/// 5 CancelInvocation, 6 Ping, 7 Close.
/// </summary>
internal sealed class HubSocket : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly Queue<JsonObject> _pending = new();
    private readonly StringBuilder _partial = new();
    private int _nextId;

    public static async Task<HubSocket> ConnectAsync(Uri server, string? apiKey = null)
    {
        var hub = new HubSocket();
        if (apiKey is not null) hub._socket.Options.SetRequestHeader("Authorization", $"Bearer {apiKey}");
        // Straight to the WebSocket (the server accepts this without the negotiate round trip).
        await hub._socket.ConnectAsync(new Uri($"ws://{server.Authority}/hubs/chat"), CancellationToken.None);
        await hub.SendAsync(new JsonObject { ["protocol"] = "json", ["version"] = 1 });
        var handshake = await hub.ReceiveAsync();
        if (handshake.ContainsKey("error")) throw new InvalidOperationException($"handshake failed: {handshake}");
        return hub;
    }

    /// <summary>Invokes a hub method and returns its completion's result (throws with the hub's error message).</summary>
    public async Task<JsonNode?> InvokeAsync(string target, params JsonNode?[] arguments)
    {
        var id = NextId();
        await SendAsync(new JsonObject { ["type"] = 1, ["invocationId"] = id, ["target"] = target, ["arguments"] = new JsonArray(arguments) });
        while (true)
        {
            var message = await ReceiveAsync();
            if (message["type"]!.GetValue<int>() != 3 || message["invocationId"]!.GetValue<string>() != id) continue;
            if (message["error"] is { } error) throw new HubError(error.GetValue<string>());
            return message["result"];
        }
    }

    /// <summary>Starts a server-to-client stream; returns its invocation id.</summary>
    public async Task<string> StartStreamAsync(string target, params JsonNode?[] arguments)
    {
        var id = NextId();
        await SendAsync(new JsonObject { ["type"] = 4, ["invocationId"] = id, ["target"] = target, ["arguments"] = new JsonArray(arguments) });
        return id;
    }

    public Task CancelAsync(string invocationId) => SendAsync(new JsonObject { ["type"] = 5, ["invocationId"] = invocationId });

    /// <summary>The next StreamItem (type 2) or Completion (type 3) of the invocation, skipping pings.</summary>
    public async Task<JsonObject> NextOfAsync(string invocationId)
    {
        while (true)
        {
            var message = await ReceiveAsync();
            var type = message["type"]!.GetValue<int>();
            if (type is 2 or 3 && message["invocationId"]?.GetValue<string>() == invocationId) return message;
        }
    }

    private string NextId() => (++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Task SendAsync(JsonObject message) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task<JsonObject> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[16384];
        while (_pending.Count == 0)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("the hub closed the connection");
            _partial.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            var text = _partial.ToString();
            var end = text.LastIndexOf(RecordSeparator);
            if (end < 0) continue;
            foreach (var record in text[..end].Split(RecordSeparator)) _pending.Enqueue(JsonNode.Parse(record)!.AsObject());
            _partial.Clear().Append(text[(end + 1)..]);
        }
        return _pending.Dequeue();
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try { await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None); }
            catch (WebSocketException) { }
        }
        _socket.Dispose();
    }

    public static JsonNode? Arg<T>(T value) => JsonSerializer.SerializeToNode(value);
}

internal sealed class HubError(string message) : Exception(message);
