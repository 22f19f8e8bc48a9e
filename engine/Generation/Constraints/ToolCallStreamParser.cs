namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>What a streamed answer turned out to contain so far.</summary>
public abstract record ToolCallStreamEvent;

/// <summary>Prose outside any tool call, safe to show (a possible start of "&lt;tool_call&gt;" is held back until decided).</summary>
public sealed record ContentDelta(string Text) : ToolCallStreamEvent;

/// <summary>A complete call, the <paramref name="Index"/>-th of the answer (OpenAI's tool_calls[index]).</summary>
public sealed record ToolCallCompleted(int Index, ParsedToolCall Call) : ToolCallStreamEvent;

/// <summary>
/// The streaming form of <see cref="ToolCallParser"/>: feed text deltas as they arrive, get prose deltas and each tool
/// call as soon as its closing tag is read. The server turns a completed call into OpenAI's tool-call delta chunks
/// (name, then the arguments). Call <see cref="Finish"/> at the end: an unclosed block comes back as prose, as in
/// <see cref="ToolCallParser.Parse"/>. One instance per answer; not thread-safe.
/// </summary>
public sealed class ToolCallStreamParser
{
    private readonly System.Text.StringBuilder _pending = new();
    private bool _inCall;
    private int _callCount;

    public IReadOnlyList<ToolCallStreamEvent> Push(string delta)
    {
        _pending.Append(delta);
        var events = new List<ToolCallStreamEvent>();
        while (true)
        {
            var text = _pending.ToString();
            if (!_inCall)
            {
                var open = text.IndexOf(ToolCallParser.Open, StringComparison.Ordinal);
                if (open < 0)
                {
                    // emit all but a tail that could still become "<tool_call>"
                    var keep = PartialTagLength(text, ToolCallParser.Open);
                    Emit(events, text[..^keep]);
                    _pending.Clear().Append(text[^keep..]);
                    return events;
                }
                Emit(events, text[..open]);
                _pending.Clear().Append(text[open..]);
                _inCall = true;
                continue;
            }
            var close = text.IndexOf(ToolCallParser.Close, ToolCallParser.Open.Length, StringComparison.Ordinal);
            if (close < 0) return events;
            var block = text[..(close + ToolCallParser.Close.Length)];
            if (ToolCallParser.TryParseBody(block[ToolCallParser.Open.Length..close], out var call)) events.Add(new ToolCallCompleted(_callCount++, call));
            else Emit(events, block);
            _pending.Clear().Append(text[block.Length..]);
            _inCall = false;
        }
    }

    /// <summary>The rest at the end of the answer: held-back text and any unclosed block, as prose.</summary>
    public IReadOnlyList<ToolCallStreamEvent> Finish()
    {
        var events = new List<ToolCallStreamEvent>();
        Emit(events, _pending.ToString());
        _pending.Clear();
        _inCall = false;
        return events;
    }

    private static void Emit(List<ToolCallStreamEvent> events, string text)
    {
        if (text.Length > 0) events.Add(new ContentDelta(text));
    }

    /// <summary>The length of the longest suffix of <paramref name="text"/> that is a proper prefix of <paramref name="tag"/>.</summary>
    private static int PartialTagLength(string text, string tag)
    {
        for (var n = Math.Min(text.Length, tag.Length - 1); n > 0; n--)
        {
            if (text.AsSpan(text.Length - n).SequenceEqual(tag.AsSpan(0, n))) return n;
        }
        return 0;
    }
}
