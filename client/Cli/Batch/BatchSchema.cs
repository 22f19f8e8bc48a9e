using System.Text.Json;
using VLOrleans.Cli.Backends;
using VLOrleans.Engine.Generation.Constraints;

namespace VLOrleans.Cli.Batch;

/// <summary>
/// <c>vl batch --schema report.json</c>: the schema file read and checked against the constrained-decoding subset
/// before any image is sent (a keyword outside it is a usage error naming it, not one failed row per image), and each
/// answer parsed back into the object the JSONL row carries.
/// </summary>
internal static class BatchSchema
{
    /// <summary>The schema in <paramref name="path"/>; null without <c>--schema</c>.</summary>
    public static JsonElement? Load(string? path)
    {
        if (path is null) return null;
        JsonElement schema;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            schema = document.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new VlCommandException("usage", $"--schema '{path}' is not a readable JSON file: {e.Message}");
        }
        try
        {
            JsonSchemaCompiler.Compile(schema); // the grammar alone: cheap, and the same check the server makes
        }
        catch (UnsupportedSchemaException e)
        {
            throw new VlCommandException("usage", $"--schema '{path}': {e.Message}");
        }
        return schema;
    }

    /// <summary>A constrained answer as the object it is (it always parses; a cut-off one would not, and stays text).</summary>
    public static JsonElement? Parse(string answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
