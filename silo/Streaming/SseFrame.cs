namespace VLOrleans.Silo.Streaming;

/// <summary>One Server-Sent Event: its <c>event:</c> name (none for OpenAI's chunks) and its <c>data:</c> text.</summary>
public readonly record struct SseFrame(string? EventType, string Data);

/// <summary>Frames from plain data strings (OpenAI's stream names no events).</summary>
public static class SseFrames
{
    public static async IAsyncEnumerable<SseFrame> DataOnly(IAsyncEnumerable<string> data)
    {
        await foreach (var item in data.ConfigureAwait(false)) yield return new SseFrame(null, item);
    }
}
