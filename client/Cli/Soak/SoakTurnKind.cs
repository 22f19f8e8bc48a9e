namespace VLOrleans.Cli.Soak;

/// <summary>What one soak turn does. The mix: 10% malformed, 20% a client that goes away mid-stream, the rest
/// answered over REST (SSE or plain), SignalR, or the OpenAI API (streamed or not).</summary>
public enum SoakTurnKind
{
    RestStream,
    RestPlain,
    SignalR,
    OpenAiStream,
    OpenAiPlain,
    DisconnectRestStream,
    DisconnectSignalR,
    DisconnectOpenAiStream,
    BadJson,
    BadImage,
    OversizeBody,
    UnknownSession,
    ConcurrentTurns,
}

public static class SoakTurnKinds
{
    private static readonly SoakTurnKind[] Answered = [SoakTurnKind.RestStream, SoakTurnKind.RestPlain, SoakTurnKind.SignalR, SoakTurnKind.OpenAiStream, SoakTurnKind.OpenAiPlain];
    private static readonly SoakTurnKind[] Disconnects = [SoakTurnKind.DisconnectRestStream, SoakTurnKind.DisconnectSignalR, SoakTurnKind.DisconnectOpenAiStream];
    private static readonly SoakTurnKind[] Malformed = [SoakTurnKind.BadJson, SoakTurnKind.BadImage, SoakTurnKind.OversizeBody, SoakTurnKind.UnknownSession, SoakTurnKind.ConcurrentTurns];

    /// <summary>Turn <paramref name="turn"/>'s kind, the same for the same seed: malformed with probability
    /// <paramref name="malformedShare"/>, else a disconnect with <paramref name="disconnectShare"/>, else answered.</summary>
    public static SoakTurnKind Choose(int seed, int turn, double malformedShare, double disconnectShare)
    {
        var random = new Random(HashCode.Combine(seed, turn));
        var draw = random.NextDouble();
        if (draw < malformedShare) return Malformed[random.Next(Malformed.Length)];
        if (draw < malformedShare + disconnectShare) return Disconnects[random.Next(Disconnects.Length)];
        return Answered[random.Next(Answered.Length)];
    }

    public static bool IsMalformed(this SoakTurnKind kind) => kind >= SoakTurnKind.BadJson;

    public static bool IsDisconnect(this SoakTurnKind kind) => kind is >= SoakTurnKind.DisconnectRestStream and < SoakTurnKind.BadJson;
}
