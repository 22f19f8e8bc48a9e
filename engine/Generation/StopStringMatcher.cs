using System.Text;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// Streams text while watching for stop strings. Text that could still turn out to be the start of a stop
/// string is held back, so a client never sees part of a stop string; once one matches, only the text
/// before it is released. One per sequence.
/// </summary>
public sealed class StopStringMatcher(IReadOnlyList<string> stopStrings)
{
    private readonly string[] _stops = stopStrings.Where(s => s.Length > 0).ToArray();
    private readonly StringBuilder _pending = new();

    public bool IsStopped { get; private set; }

    /// <summary>Adds newly decoded text; returns what can be emitted now.</summary>
    public string Push(string text)
    {
        if (IsStopped || text.Length == 0) return "";
        if (_stops.Length == 0) return text;
        _pending.Append(text);
        var pending = _pending.ToString();

        // a complete match: emit up to the earliest one and stop
        var earliest = -1;
        foreach (var stop in _stops)
        {
            var at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
        }
        if (earliest >= 0)
        {
            IsStopped = true;
            _pending.Clear();
            return pending[..earliest];
        }

        // hold back the longest tail that is a prefix of some stop string
        var hold = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, pending.Length); length > hold; length--)
            {
                if (pending.AsSpan(pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    hold = length;
                    break;
                }
            }
        }
        _pending.Clear();
        _pending.Append(pending, pending.Length - hold, hold);
        return pending[..^hold];
    }

    /// <summary>At the end of generation (no stop string came): releases what was held back.</summary>
    public string Flush()
    {
        if (IsStopped) return "";
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }
}
