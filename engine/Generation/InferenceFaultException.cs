namespace VLOrleans.Engine.Generation;

/// <summary>
/// Ends an answer that a fault inside the inference worker (not in the model run: the scheduler's bookkeeping, a slot
/// released twice) made impossible to finish. Only the answers the fault concerns get it; the worker goes on.
/// </summary>
public sealed class InferenceFaultException(string message, Exception inner) : Exception($"{message}: {inner.Message}", inner);
