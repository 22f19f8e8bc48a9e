using VLOrleans.Grains.Inference;

namespace VLOrleans.Grains.Sessions;

/// <summary>
/// Every call into the session and one-shot grains leaves with its failure translated by
/// <see cref="SessionProblems.AtBoundary(Exception)"/>: a store outage during an upload, a read or an activation's
/// load arrives as <c>store_unavailable</c>, and no engine, driver or ONNX Runtime exception type reaches Orleans'
/// serializer (which has no codec for them and would fail the call with <c>CodecNotFoundException</c> instead).
/// Streaming methods translate each step themselves (<see cref="SessionProblems.AtBoundary{T}"/>).
/// </summary>
internal sealed class GrainBoundaryFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (context.TargetContext?.GrainInstance is ChatSessionGrain or OneShotGrain && SessionProblems.AtBoundary(e) is { } translated)
        {
            throw translated;
        }
    }
}
