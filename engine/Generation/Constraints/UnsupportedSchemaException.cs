namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// A JSON Schema that constrained decoding cannot honour: a keyword outside the supported subset (README.md beside
/// this file), or a schema no output can satisfy. The server maps it to 400 with <see cref="Code"/> and names
/// <see cref="Keyword"/> and where it is (<see cref="Path"/>, a JSON Pointer into the schema).
/// </summary>
public sealed class UnsupportedSchemaException(string keyword, string path, string message)
    : Exception($"{message} (keyword '{keyword}' at '{(path.Length == 0 ? "#" : path)}')")
{
    /// <summary>The stable error code: <c>unsupported_schema</c>.</summary>
    public string Code => "unsupported_schema";

    public string Keyword { get; } = keyword;

    public string Path { get; } = path;
}
