using System.Text;
using System.Text.Json;

namespace VLOrleans.Cli.Batch;

/// <summary>
/// Writes batch rows as JSON Lines (one object per line) or CSV (RFC 4180: a header row; fields with a comma, quote,
/// CR or LF are quoted, quotes doubled; CRLF line ends). The format follows the file extension (<c>.csv</c>, else JSONL).
/// Rows are flushed as written, so an interrupted batch keeps what it finished.
/// </summary>
internal sealed class BatchResultWriter : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TextWriter _writer;
    private readonly bool _isCsv;
    private readonly bool _ownsWriter;

    private BatchResultWriter(TextWriter writer, bool isCsv, bool ownsWriter)
    {
        _writer = writer;
        _isCsv = isCsv;
        _ownsWriter = ownsWriter;
        if (isCsv) WriteCsvLine(BatchRow.Columns);
    }

    /// <summary>To <paramref name="path"/> (created or replaced), or JSONL to stdout when null.</summary>
    public static BatchResultWriter Open(string? path)
    {
        if (path is null) return new BatchResultWriter(Console.Out, isCsv: false, ownsWriter: false);
        var isCsv = string.Equals(Path.GetExtension(path), ".csv", StringComparison.OrdinalIgnoreCase);
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return new BatchResultWriter(writer, isCsv, ownsWriter: true);
    }

    public void Write(BatchRow row)
    {
        if (_isCsv) WriteCsvLine(row.CsvFields());
        else _writer.Write(JsonSerializer.Serialize(row, Json) + "\n");
        _writer.Flush();
    }

    private void WriteCsvLine(IEnumerable<string?> fields)
    {
        _writer.Write(string.Join(',', fields.Select(Quote)));
        _writer.Write("\r\n");
    }

    /// <summary>RFC 4180 §2.6–2.7.</summary>
    internal static string Quote(string? field) =>
        field is null ? "" : field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    public async ValueTask DisposeAsync()
    {
        await _writer.FlushAsync().ConfigureAwait(false);
        if (_ownsWriter) await _writer.DisposeAsync().ConfigureAwait(false);
    }
}
