using System.CommandLine;

namespace VLOrleans.Cli.Backends;

/// <summary>
/// The options every answering command shares: where answers come from (<c>--server</c>/<c>--api-key</c>, defaulting
/// to <c>VL_SERVER</c>/<c>VL_API_KEY</c>, or <c>--model</c> in-process) and how to sample. Add to a command with
/// <see cref="AddTo"/>, read with <see cref="CreateBackend"/> and <see cref="Settings"/>.
/// </summary>
internal sealed class BackendOptions
{
    public const string ServerVariable = "VL_SERVER";
    public const string ApiKeyVariable = "VL_API_KEY";

    public Option<string?> Model { get; } = new("--model") { Description = "Model package folder (from `vl convert`): answer in-process, no server." };
    public Option<string?> Server { get; } = new("--server") { Description = $"Server URL, e.g. http://localhost:8080, where `make run` listens (default: ${ServerVariable})." };
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = $"API key for the server (default: ${ApiKeyVariable})." };
    public Option<string?> Variant { get; } = new("--variant") { Description = "With --model: weight variant (fp32, fp16, int8, int4); default: the most precise that fits." };
    public Option<int> Threads { get; } = new("--threads") { Description = "With --model: intra-op threads for decoder and vision (0 = one per core).", DefaultValueFactory = _ => 0 };
    public Option<int?> MaxTokens { get; }
    public Option<float?> Temperature { get; } = new("--temperature") { Description = "0 = greedy; default: the model's generation_config." };
    public Option<float?> TopP { get; } = new("--top-p") { Description = "Nucleus sampling threshold." };
    public Option<int?> TopK { get; } = new("--top-k") { Description = "Sample among the k most likely tokens." };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "Same seed + same question → same answer." };

    public BackendOptions(int? defaultMaxTokens)
    {
        MaxTokens = new Option<int?>("--max-tokens") { Description = "Longest answer, in tokens.", DefaultValueFactory = _ => defaultMaxTokens };
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Server, ApiKey, Variant, Threads, MaxTokens, Temperature, TopP, TopK, Seed })
            command.Options.Add(option);
    }

    public AnswerSettings Settings(ParseResult parse, bool ignoreEos = false) => new(parse.GetValue(MaxTokens), parse.GetValue(Temperature),
        parse.GetValue(TopP), parse.GetValue(TopK), parse.GetValue(Seed), ignoreEos);

    /// <summary>
    /// The backend the options name: <c>--model</c> loads in-process (with <paramref name="slotCount"/> KV slots);
    /// <c>--server</c>, else <c>$VL_SERVER</c>, talks to a server. Both, or neither, is a usage error.
    /// </summary>
    /// <exception cref="VlCommandException">Usage error (code <c>usage</c>) or a model that does not load.</exception>
    public IVlBackend CreateBackend(ParseResult parse, int slotCount, bool deleteRemoteSessions)
    {
        var model = parse.GetValue(Model);
        var server = parse.GetValue(Server);
        if (model is not null && server is not null) throw new VlCommandException("usage", "give either --model (in-process) or --server, not both");
        if (model is not null) return LocalBackend.Load(model, parse.GetValue(Variant), parse.GetValue(Threads), slotCount);
        server ??= Environment.GetEnvironmentVariable(ServerVariable);
        if (string.IsNullOrWhiteSpace(server)) throw new VlCommandException("usage", $"give --model DIR (in-process) or --server URL (or set {ServerVariable})");
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new VlCommandException("usage", $"--server must be an http(s) URL, not '{server}'");
        var apiKey = parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable(ApiKeyVariable);
        return new RemoteBackend(uri, apiKey, deleteRemoteSessions);
    }
}
