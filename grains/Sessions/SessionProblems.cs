using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Imaging;
using VLOrleans.Grains.Inference;

namespace VLOrleans.Grains.Sessions;

/// <summary>Engine refusals as the contract's typed <see cref="RequestProblemException"/>: the engine's exception types
/// stay on the silo that threw them, and what crosses to the caller is a kind and a stable code.</summary>
internal static class SessionProblems
{
    public static RequestProblemException? Translate(Exception exception) => exception switch
    {
        ImageRejectedException { Reason: ImageRejectionReason.TooLarge } e => new(ProblemKind.ImageTooLarge, e.Code, e.Message),
        ImageRejectedException e => new(ProblemKind.ImageRejected, e.Code, e.Message),
        GenerationRejectedException { Reason: GenerationRejection.QueueFull } e => new(ProblemKind.QueueFull, ProblemCodes.QueueFull, e.Message),
        GenerationRejectedException { Reason: GenerationRejection.ContextLengthExceeded } e =>
            new(ProblemKind.ContextLengthExceeded, ProblemCodes.ContextLengthExceeded, e.Message),
        GenerationRejectedException e => new(ProblemKind.GenerationRejected, e.Code, e.Message),
        ModelNotReadyException e => new(ProblemKind.ModelNotReady, ProblemCodes.ModelNotReady, e.Message),
        _ => null,
    };

    public static RequestProblemException Invalid(string message) => new(ProblemKind.InvalidRequest, ProblemCodes.InvalidRequest, message);
}
