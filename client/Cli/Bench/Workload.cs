namespace VLOrleans.Cli.Bench;

/// <summary>The four kinds of question of seed 001's mix, with their share of turns and fixed answer length.</summary>
public enum RequestKind
{
    /// <summary>30% of turns, ~64 answer tokens.</summary>
    ShortDescription,

    /// <summary>40%, ~128 tokens.</summary>
    DetailRecognition,

    /// <summary>20%, ~256 tokens.</summary>
    Reasoning,

    /// <summary>10%, ~128 tokens, two images.</summary>
    TwoImageComparison,
}

/// <summary>One image a turn uploads: which photo of ../shared/images/real, the size it is scaled to, and a salt that
/// makes its pixels unique (so only a follow-up can hit the vision cache, never another session's photo).</summary>
public sealed record ImagePlan(string Photo, int Width, int Height, int Salt)
{
    /// <summary>Image tokens after Qwen3-VL's smart_resize (16-px patches merged 2×2 → one token per 32×32 px).</summary>
    public int EstimatedTokens => (int)(Math.Ceiling(Width / 32.0) * Math.Ceiling(Height / 32.0));
}

/// <summary>One question of a conversation. <see cref="NewImages"/> empty = a follow-up on images already in the session.</summary>
public sealed record TurnPlan(RequestKind Kind, string Question, int MaxTokens, IReadOnlyList<ImagePlan> NewImages)
{
    public bool IsFollowUp => NewImages.Count == 0;
}

/// <summary>One chat session's turns, asked in order.</summary>
public sealed record ConversationPlan(int Index, IReadOnlyList<TurnPlan> Turns);

/// <summary>
/// The deterministic workload: conversation i depends only on (seed, i), so every configuration that runs the first k
/// conversations asks exactly the same questions about exactly the same pixels, whatever order its workers take them in.
/// </summary>
public sealed class Workload
{
    private static readonly (RequestKind Kind, double Share, int Tokens)[] Mix =
    [
        (RequestKind.ShortDescription, 0.30, 64),
        (RequestKind.DetailRecognition, 0.40, 128),
        (RequestKind.Reasoning, 0.20, 256),
        (RequestKind.TwoImageComparison, 0.10, 128),
    ];

    private static readonly Dictionary<RequestKind, string[]> Questions = new()
    {
        [RequestKind.ShortDescription] = ["Describe this image briefly.", "What is shown here, in two sentences?", "Give a short caption for this photo."],
        [RequestKind.DetailRecognition] = ["List every piece of text, number or label you can read in the image.", "What small objects are in the background, and where exactly?", "Describe the colours, materials and positions of the main objects."],
        [RequestKind.Reasoning] = ["Based on what you see, what probably happened just before this picture was taken? Explain your reasoning step by step.", "Is anything here damaged, unsafe or unusual? Reason about it and suggest what to do.", "Estimate the time of day, season and location from the visual evidence, and justify each estimate."],
        [RequestKind.TwoImageComparison] = ["Compare the two images: what is the same and what differs?", "Which of the two pictures shows more detail, and why?"],
    };

    public Workload(int seed, IReadOnlyList<string> photos, IReadOnlyList<(int Width, int Height, double Share)> sizes,
        (int Min, int Max) turnsPerConversation, double tokenScale, int imageTokenBudget)
    {
        if (photos.Count == 0) throw new ArgumentException("no photos to draw from", nameof(photos));
        Seed = seed;
        Photos = photos;
        Sizes = sizes;
        TurnsPerConversation = turnsPerConversation;
        TokenScale = tokenScale;
        ImageTokenBudget = imageTokenBudget;
        // 60% of all turns are follow-ups; the first turn of a conversation never is, so later turns follow up more often.
        var meanTurns = (turnsPerConversation.Min + turnsPerConversation.Max) / 2.0;
        FollowUpChance = meanTurns <= 1 ? 0 : Math.Min(1, 0.6 * meanTurns / (meanTurns - 1));
    }

    public int Seed { get; }

    public IReadOnlyList<string> Photos { get; }

    public IReadOnlyList<(int Width, int Height, double Share)> Sizes { get; }

    public (int Min, int Max) TurnsPerConversation { get; }

    public double TokenScale { get; }

    /// <summary>Most image tokens a session collects; past it a turn takes the smallest size or follows up instead,
    /// so a conversation fits the server's context (the 2B model's KV at 4,096 tokens is ~0.9 GB per slot).</summary>
    public int ImageTokenBudget { get; }

    public double FollowUpChance { get; }

    public ConversationPlan Conversation(int index)
    {
        // Not HashCode.Combine: it is seeded per process, and the workload must be the same in every run.
        var random = new Random(unchecked(Seed * 1_000_003 + index));
        var turnCount = random.Next(TurnsPerConversation.Min, TurnsPerConversation.Max + 1);
        var turns = new List<TurnPlan>(turnCount);
        int imagesInSession = 0, sessionTokens = 0, salt = index * 64;
        for (var t = 0; t < turnCount; t++)
        {
            var (kind, tokens) = PickKind(random.NextDouble());
            var wantsFollowUp = t > 0 && random.NextDouble() < FollowUpChance;
            var newCount = kind == RequestKind.TwoImageComparison ? Math.Max(0, 2 - (wantsFollowUp ? imagesInSession : imagesInSession > 0 ? 1 : 0)) : (wantsFollowUp ? 0 : 1);
            var images = new List<ImagePlan>();
            for (var i = 0; i < newCount; i++)
            {
                var photo = Photos[random.Next(Photos.Count)];
                var (w, h) = PickSize(random.NextDouble());
                var plan = new ImagePlan(photo, w, h, ++salt);
                if (sessionTokens + plan.EstimatedTokens > ImageTokenBudget)
                {
                    var smallest = Sizes.MinBy(s => s.Width * s.Height);
                    plan = plan with { Width = smallest.Width, Height = smallest.Height };
                }
                if (sessionTokens + plan.EstimatedTokens > ImageTokenBudget && imagesInSession + images.Count > 0) break;
                images.Add(plan);
                sessionTokens += plan.EstimatedTokens;
            }
            imagesInSession += images.Count;
            var questions = Questions[kind];
            var maxTokens = Math.Max(1, (int)Math.Round(tokens * TokenScale));
            turns.Add(new TurnPlan(kind, questions[random.Next(questions.Length)], maxTokens, images));
        }
        return new ConversationPlan(index, turns);
    }

    private static (RequestKind Kind, int Tokens) PickKind(double u)
    {
        foreach (var (kind, share, tokens) in Mix)
        {
            if (u < share) return (kind, tokens);
            u -= share;
        }
        return (Mix[^1].Kind, Mix[^1].Tokens);
    }

    private (int Width, int Height) PickSize(double u)
    {
        var total = Sizes.Sum(s => s.Share);
        u *= total;
        foreach (var (w, h, share) in Sizes)
        {
            if (u < share) return (w, h);
            u -= share;
        }
        return (Sizes[^1].Width, Sizes[^1].Height);
    }
}
