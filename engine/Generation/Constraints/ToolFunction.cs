using System.Text.Json;

namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>A function the model may call: its name and the JSON Schema of its arguments (null: any object).</summary>
public sealed record ToolFunction(string Name, JsonElement? Parameters = null, bool Strict = false);
