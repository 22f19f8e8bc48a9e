namespace VLOrleans.Cli.Bench;

/// <summary>
/// One system under test: the same server executable, configured through <c>VLO__…</c> variables, and how many
/// sessions the client runs at once against it.
/// </summary>
/// <param name="Key">a, b or c.</param>
/// <param name="Variant">Weight variant of the package (fp32, int4).</param>
/// <param name="SlotCount">KV slots = sequences decoded together (1 = one request at a time).</param>
/// <param name="ClientConcurrency">Sessions the client drives at once.</param>
/// <param name="Caches">Vision-embedding cache, embeddings held by sessions, and KV kept between turns.</param>
public sealed record ServerConfiguration(string Key, string Label, string Variant, int SlotCount, int ClientConcurrency, bool Caches)
{
    /// <summary>(a) the seeds' way: one request at a time, fp32, nothing cached, every turn prefills its whole prompt.</summary>
    public static ServerConfiguration OneAtATime() => new("a", "one request at a time, fp32, no caches, no KV reuse", "fp32", 1, 1, Caches: false);

    /// <summary>(b) continuous batching over <paramref name="sessions"/> slots, without the embedding cache and KV reuse.</summary>
    public static ServerConfiguration BatchingOnly(int sessions, string variant) => new("b", $"batching ({sessions} slots), {variant}, no caches, no KV reuse", variant, sessions, sessions, Caches: false);

    /// <summary>(c) the full server: batching, vision-embedding cache, sessions holding embeddings, resident KV.</summary>
    public static ServerConfiguration Full(int sessions, string variant) => new("c", $"full server ({sessions} slots), {variant}", variant, sessions, sessions, Caches: true);

    public IReadOnlyDictionary<string, string> Environment(string modelPackage, int maxSequenceLength, int threads)
    {
        var env = new Dictionary<string, string>
        {
            ["VLO__Model__Path"] = modelPackage,
            ["VLO__Model__Variant"] = Variant,
            ["VLO__Engine__SlotCount"] = SlotCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VLO__Engine__MaxSequenceLength"] = maxSequenceLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VLO__Engine__MaxWaitingRequests"] = "256",
            ["VLO__Engine__DecoderThreads"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VLO__Engine__VisionThreads"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Every cache off: the engine's vision cache (0 bytes caches nothing), the embeddings a session holds for
            // its kept turns, and the KV a session's slot keeps between turns.
            ["VLO__Engine__ReusePromptKv"] = Caches ? "true" : "false",
            ["VLO__Sessions__KeepImageEmbeddings"] = Caches ? "true" : "false",
        };
        if (!Caches) env["VLO__Engine__VisionCacheBytes"] = "0";
        return env;
    }
}
