namespace VLOrleans.Engine.Generation;

/// <summary>Where a sequence is in its life: waiting for a slot → prefilling its prompt in chunks → decoding → finished.</summary>
public enum SequenceState
{
    Waiting,
    Prefilling,
    Decoding,
    Finished,
}
