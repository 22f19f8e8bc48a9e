using System.Threading.Channels;

namespace VLOrleans.Engine.Generation;

/// <summary>
/// The caller's end of a running generation: events arrive in order (tokens, then one
/// <see cref="GenerationCompleted"/>); a failure in the model ends the stream with that exception.
/// Cancelling the token given at submission stops the sequence and frees its slot within one loop step.
/// </summary>
public sealed class GenerationStream
{
    private readonly ChannelReader<GenerationEvent> _events;

    internal GenerationStream(long sequenceId, ChannelReader<GenerationEvent> events)
    {
        SequenceId = sequenceId;
        _events = events;
    }

    public long SequenceId { get; }

    public IAsyncEnumerable<GenerationEvent> ReadAllAsync(CancellationToken cancellationToken = default) => _events.ReadAllAsync(cancellationToken);
}
