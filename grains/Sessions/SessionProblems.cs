using System.Runtime.CompilerServices;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Imaging;
using VLOrleans.Grains.Inference;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Sessions;

/// <summary>Engine and store failures as the contract's typed <see cref="RequestProblemException"/>: the engine's
/// exception types stay on the silo that threw them, and what crosses to the caller is a kind and a stable code.
/// An exception Orleans has no codec for (any engine or ONNX Runtime type, also as an inner exception) fails the call
/// with <c>CodecNotFoundException</c> instead of the real error, so nothing of the engine may cross a grain call.</summary>
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
        StoreUnavailableException e => new(ProblemKind.StoreUnavailable, ProblemCodes.StoreUnavailable, e.Message),
        InferenceFaultException e => new(ProblemKind.GenerationFailed, ProblemCodes.GenerationFailed, e.Message),
        _ => null,
    };

    /// <summary>
    /// What a grain method lets cross to its caller instead of <paramref name="exception"/>, or null when it may cross
    /// as it is. Refusals become <see cref="RequestProblemException"/>s; a cancellation crosses as a plain
    /// <see cref="OperationCanceledException"/> (a run terminated by a token carries ONNX Runtime's error as its inner
    /// exception, which Orleans cannot serialise); any other exception of the engine (or with one inside) becomes
    /// <c>generation_failed</c>.
    /// </summary>
    public static Exception? AtBoundary(Exception exception)
    {
        if (Translate(exception) is { } problem) return problem;
        if (exception is OperationCanceledException cancelled)
            return cancelled.InnerException is null ? null : new OperationCanceledException(cancelled.Message);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (IsEngineType(e.GetType())) return new RequestProblemException(ProblemKind.GenerationFailed, ProblemCodes.GenerationFailed, exception.Message);
        }
        return null;
    }

    /// <summary>An async enumeration whose failures are translated by <see cref="AtBoundary"/>: a grain method that
    /// streams returns its iterator through this, since an iterator cannot catch around its own <c>yield</c>s.</summary>
    public static async IAsyncEnumerable<T> AtBoundary<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var items = source.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool hasNext;
            try
            {
                hasNext = await items.MoveNextAsync();
            }
            catch (Exception e) when (AtBoundary(e) is { } translated)
            {
                throw translated;
            }
            if (!hasNext) break;
            yield return items.Current;
        }
    }

    public static RequestProblemException Invalid(string message) => new(ProblemKind.InvalidRequest, ProblemCodes.InvalidRequest, message);

    /// <summary>A sampling value the engine refused, named as the client wrote it: the engine says <c>TopP must be in
    /// (0, 1]. (Parameter 'TopP')</c>, the client sent <c>top_p</c> (every API spells the sampling fields in snake case).</summary>
    public static RequestProblemException InvalidSampling(ArgumentException exception)
    {
        var message = exception.Message;
        if (exception.ParamName is not { Length: > 0 } name) return Invalid(message);
        var suffix = $" (Parameter '{name}')";
        if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        var field = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
        if (message.StartsWith(name, StringComparison.Ordinal)) message = field + message[name.Length..];
        return Invalid(message);
    }

    private static bool IsEngineType(Type type) =>
        type.Assembly == typeof(InferenceFaultException).Assembly
        || type.Namespace?.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal) == true;
}
