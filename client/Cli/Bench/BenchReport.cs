using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VLOrleans.Cli.Bench;

/// <summary>Speed-ups of (c) over a baseline: rates as c ÷ baseline, latencies as baseline ÷ c (so &gt; 1 = c is better).</summary>
public sealed record Ratio(string Name, double RequestsPerSecond, double OutputTokensPerSecond, double TtftP50, double EndToEndP50, double TtftFollowUpP50)
{
    public static Ratio Of(ConfigurationResult c, ConfigurationResult baseline) => new(
        $"{c.Key}/{baseline.Key}",
        c.RequestsPerSecond / baseline.RequestsPerSecond,
        c.OutputTokensPerSecond / baseline.OutputTokensPerSecond,
        baseline.TtftP50 / c.TtftP50,
        baseline.EndToEndP50 / c.EndToEndP50,
        baseline.TtftFollowUpP50 / c.TtftFollowUpP50);
}

/// <summary>The machine the run measured (what the page's floors refer to).</summary>
public sealed record MachineInfo(string Cpu, int Cores, double MemoryGigabytes, string Os, string Runtime, string When)
{
    public static MachineInfo Current()
    {
        var cpu = "unknown";
        if (File.Exists("/proc/cpuinfo"))
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        double memory = 0;
        if (File.Exists("/proc/meminfo"))
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null) memory = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
        }
        return new MachineInfo(cpu, Environment.ProcessorCount, Math.Round(memory, 1), System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription, DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture));
    }
}

/// <summary>The workload as run: what was asked, so a reader can check every configuration did the same work.</summary>
public sealed record WorkloadInfo(int Seed, int Sessions, string Sizes, string TurnsPerConversation, double TokenScale, double FollowUpShareOfPlannedTurns,
    IReadOnlyDictionary<string, int> PlannedTurnsByKind, int ConversationsPlanned);

/// <summary>Everything <c>vl bench</c> measured, in the order it prints it; serialised as the JSON report.</summary>
public sealed record BenchReport(
    string Preset,
    string ModelPackage,
    bool Smoke,
    string Command,
    MachineInfo Machine,
    WorkloadInfo Workload,
    IReadOnlyList<ConfigurationResult> Configurations,
    IReadOnlyList<Ratio> Ratios,
    MachineFloors.Result? Floors = null,
    IReadOnlyList<DecodeFloor>? DecodeFloors = null)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new NaNAsNullConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The results as Markdown tables (what docs/PERFORMANCE.md shows).</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Preset `{Preset}` ({ModelPackage}), {Machine.Cores} cores ({Machine.Cpu}), {Machine.When}. Command: `{Command}`.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Workload: seed {Workload.Seed}, {Workload.Sessions} concurrent sessions for (b) and (c), images {Workload.Sizes}, {Workload.TurnsPerConversation} turns per conversation, answer lengths × {Workload.TokenScale:0.###}, {Workload.FollowUpShareOfPlannedTurns:P0} follow-ups planned.");
        md.AppendLine();
        md.AppendLine("| | " + string.Join(" | ", Configurations.Select(c => $"({c.Key}) {c.Label}")) + " |");
        md.AppendLine("|---|" + string.Concat(Configurations.Select(_ => "---|")));
        foreach (var (name, value) in Rows())
            md.AppendLine($"| {name} | " + string.Join(" | ", Configurations.Select(value)) + " |");
        md.AppendLine();
        md.AppendLine("| ratio | requests/s | output tokens/s | TTFT p50 | end-to-end p50 | follow-up TTFT p50 |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in Ratios)
            md.AppendLine($"| ({r.Name[0]})/({r.Name[2]}) | {X(r.RequestsPerSecond)} | {X(r.OutputTokensPerSecond)} | {X(r.TtftP50)} | {X(r.EndToEndP50)} | {X(r.TtftFollowUpP50)} |");
        if (Floors is { } f)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Floors measured on this machine ({f.Threads} threads): memory triad {f.TriadGigabytesPerSecond:F1} GB/s, read {f.ReadGigabytesPerSecond:F1} GB/s; MatMul 512×2048×6144 fp32 {f.MatMulFp32Gflops:F0} GFLOP/s, 4-bit MatMulNBits (int8 activations) {f.MatMulNBits4Gflops:F0} GFLOP/s.");
        }
        if (DecodeFloors is { Count: > 0 })
        {
            md.AppendLine();
            md.AppendLine("| decode vs bandwidth floor | weights read per step | floor: ms per step | floor: tokens/s, one stream | measured ms per output token (p50) | share of floor |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var d in DecodeFloors)
                md.AppendLine(CultureInfo.InvariantCulture, $"| ({d.Key}) {d.Variant} | {d.DecoderMegabytes:F0} MB | {d.FloorStepMilliseconds:F1} | {d.FloorTokensPerSecondSingleStream:F1} | {F(d.MeasuredTimePerOutputTokenMilliseconds, "0.0")} | {(double.IsNaN(d.ShareOfFloor) ? "–" : d.ShareOfFloor.ToString("P0", CultureInfo.InvariantCulture))} |");
        }
        return md.ToString();
    }

    /// <summary>The results as a plain table for the console, ratios last.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        var width = Rows().Max(r => r.Name.Length) + 2;
        text.AppendLine("".PadRight(width) + string.Concat(Configurations.Select(c => $"({c.Key}) {c.Variant}, {c.Slots} slot(s)".PadLeft(26))));
        foreach (var (name, value) in Rows())
            text.AppendLine(name.PadRight(width) + string.Concat(Configurations.Select(c => value(c).PadLeft(26))));
        foreach (var c in Configurations.Where(c => c.FirstErrors.Count > 0))
            text.AppendLine($"({c.Key}) errors: {string.Join(" | ", c.FirstErrors)}");
        text.AppendLine();
        foreach (var r in Ratios)
            text.AppendLine($"ratio ({r.Name[0]})/({r.Name[2]}): requests/s {X(r.RequestsPerSecond)}, output tokens/s {X(r.OutputTokensPerSecond)}, TTFT p50 {X(r.TtftP50)}, end-to-end p50 {X(r.EndToEndP50)}, follow-up TTFT p50 {X(r.TtftFollowUpP50)}");
        return text.ToString();
    }

    private static IEnumerable<(string Name, Func<ConfigurationResult, string> Value)> Rows() =>
    [
        ("completed requests", c => c.RequestsCompleted.ToString(CultureInfo.InvariantCulture)),
        ("errors", c => c.Errors.ToString(CultureInfo.InvariantCulture)),
        ("cancelled at the drain limit", c => c.CancelledAtDrain.ToString(CultureInfo.InvariantCulture)),
        ("measured seconds", c => F(c.DurationSeconds, "0.0")),
        ("requests/s", c => F(c.RequestsPerSecond, "0.000")),
        ("output tokens/s", c => F(c.OutputTokensPerSecond, "0.00")),
        ("TTFT p50 / p95 / p99 s", c => $"{F(c.TtftP50, "0.00")} / {F(c.TtftP95, "0.00")} / {F(c.TtftP99, "0.00")}"),
        ("end-to-end p50 / p95 s", c => $"{F(c.EndToEndP50, "0.00")} / {F(c.EndToEndP95, "0.00")}"),
        ("time per output token p50 ms", c => F(c.TimePerOutputTokenP50 * 1000, "0.0")),
        ("TTFT new-image turn p50 s", c => F(c.TtftNewImageP50, "0.00")),
        ("TTFT follow-up p50 s", c => F(c.TtftFollowUpP50, "0.00")),
        ("vision-cache hit rate", c => double.IsNaN(c.VisionCacheHitRate) ? "–" : c.VisionCacheHitRate.ToString("P0", CultureInfo.InvariantCulture)),
        ("prompt tokens reused (KV)", c => double.IsNaN(c.PromptTokensReusedShare) ? "–" : c.PromptTokensReusedShare.ToString("P0", CultureInfo.InvariantCulture)),
        ("server peak RSS MB", c => F(c.PeakRssMegabytes, "0")),
    ];

    private static string F(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string X(double value) => double.IsNaN(value) || double.IsInfinity(value) ? "–" : value.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary>JSON has no NaN: an unmeasured value is written as null.</summary>
    private sealed class NaNAsNullConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsNaN(value) || double.IsInfinity(value)) writer.WriteNullValue();
            else writer.WriteNumberValue(value);
        }

        public override bool HandleNull => true;
    }
}
