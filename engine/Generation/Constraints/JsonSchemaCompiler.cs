using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// Compiles the supported subset of JSON Schema (README.md beside this file) to a <see cref="GrammarNode"/>. Every
/// keyword is either honoured exactly, ignored because it only annotates (title, description, …), or refused with
/// <see cref="UnsupportedSchemaException"/> naming it — never silently dropped, since a dropped constraint would let
/// the output break the schema the caller relies on.
/// </summary>
public static class JsonSchemaCompiler
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "$schema", "$id", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly",
    };

    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "enum", "const", "items", "minItems", "maxItems",
        "anyOf", "minLength", "maxLength",
    };

    private static readonly JsonSerializerOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Any JSON value (response_format json_object wraps it in an object; see <see cref="AnyObject"/>).</summary>
    public static GrammarNode AnyValue(JsonLayout layout)
    {
        var value = new ChoiceNode();
        var obj = new ObjectNode([], value, layout);
        var array = new ArrayNode(value, 0, null, layout);
        value.SetAlternatives([obj, array, new StringNode(0, null), new NumberNode(false), Literals("true", "false", "null")]);
        return value;
    }

    /// <summary>OpenAI's <c>json_object</c>: any JSON object.</summary>
    public static GrammarNode AnyObject(JsonLayout layout) => new ObjectNode([], AnyValue(layout), layout);

    /// <summary>
    /// Compiles <paramref name="schema"/>. With <paramref name="strict"/> (OpenAI's <c>strict: true</c>) every object
    /// must say <c>additionalProperties: false</c>, so what may appear is exactly what the schema declares.
    /// </summary>
    /// <exception cref="UnsupportedSchemaException">A keyword outside the subset, or an unsatisfiable schema.</exception>
    public static GrammarNode Compile(JsonElement schema, bool strict = false, JsonLayout? layout = null) =>
        new Context(strict, layout ?? JsonLayout.Spaced).Node(schema, "");

    private static LiteralNode Literals(params string[] texts) => new([.. texts.Select(Encoding.UTF8.GetBytes)]);

    private sealed class Context(bool strict, JsonLayout layout)
    {
        public GrammarNode Node(JsonElement schema, string path)
        {
            if (schema.ValueKind == JsonValueKind.True) return Refuse(strict, "true", path, AnyValue(layout));
            if (schema.ValueKind == JsonValueKind.False) throw new UnsupportedSchemaException("false", path, "the schema 'false' matches nothing");
            if (schema.ValueKind != JsonValueKind.Object) throw new UnsupportedSchemaException("schema", path, "a schema must be an object or a boolean");

            foreach (var keyword in schema.EnumerateObject())
            {
                if (Annotations.Contains(keyword.Name) || Supported.Contains(keyword.Name)) continue;
                throw new UnsupportedSchemaException(keyword.Name, path, $"the JSON Schema keyword '{keyword.Name}' is not supported by constrained decoding");
            }

            var types = Types(schema, path);
            if (schema.TryGetProperty("const", out var constant)) return Values([constant], types, "const", path);
            if (schema.TryGetProperty("enum", out var values))
            {
                if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                    throw new UnsupportedSchemaException("enum", path, "enum must be a non-empty array");
                return Values([.. values.EnumerateArray()], types, "enum", path);
            }
            if (schema.TryGetProperty("anyOf", out var anyOf))
            {
                if (types is not null) throw new UnsupportedSchemaException("anyOf", path, "anyOf beside type is not supported: put the type in each alternative");
                if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
                    throw new UnsupportedSchemaException("anyOf", path, "anyOf must be a non-empty array");
                return new ChoiceNode([.. anyOf.EnumerateArray().Select((alternative, i) => Node(alternative, $"{path}/anyOf/{i}"))]);
            }

            // No type: an object when it declares properties, else any value.
            types ??= schema.TryGetProperty("properties", out _) ? ["object"] : null;
            if (types is null) return Refuse(strict, "type", path, AnyValue(layout));
            var nodes = types.Select(t => Typed(schema, t, path)).ToArray();
            return nodes.Length == 1 ? nodes[0] : new ChoiceNode(nodes);
        }

        private GrammarNode Typed(JsonElement schema, string type, string path)
        {
            CheckApplies(schema, type, path);
            return type switch
            {
                "object" => Object(schema, path),
                "array" => Array(schema, path),
                "string" => String(schema, path),
                "number" => new NumberNode(false),
                "integer" => new NumberNode(true),
                "boolean" => Literals("true", "false"),
                "null" => Literals("null"),
                _ => throw new UnsupportedSchemaException("type", path, $"unknown type '{type}'"),
            };
        }

        private GrammarNode Object(JsonElement schema, string path)
        {
            var additional = schema.TryGetProperty("additionalProperties", out var a) ? a : default;
            var closed = additional.ValueKind == JsonValueKind.False;
            if (strict && !closed)
                throw new UnsupportedSchemaException("additionalProperties", path, "strict mode needs additionalProperties: false on every object");
            var required = new HashSet<string>(StringComparer.Ordinal);
            if (schema.TryGetProperty("required", out var req))
            {
                if (req.ValueKind != JsonValueKind.Array || req.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                    throw new UnsupportedSchemaException("required", path, "required must be an array of property names");
                foreach (var r in req.EnumerateArray()) required.Add(r.GetString()!);
            }
            var properties = new List<PropertyGrammar>();
            if (schema.TryGetProperty("properties", out var props))
            {
                if (props.ValueKind != JsonValueKind.Object) throw new UnsupportedSchemaException("properties", path, "properties must be an object");
                foreach (var p in props.EnumerateObject())
                {
                    var key = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(p.Name, Writer)).Concat(layout.KeySeparator).ToArray();
                    properties.Add(new PropertyGrammar(p.Name, key, Node(p.Value, $"{path}/properties/{Escape(p.Name)}"), required.Contains(p.Name)));
                }
            }
            var missing = required.FirstOrDefault(r => properties.All(p => p.Name != r));
            if (missing is not null)
                throw new UnsupportedSchemaException("required", path, $"required property '{missing}' is not declared in properties");
            if (properties.Count > 0 || closed)
            {
                if (additional.ValueKind == JsonValueKind.Object)
                    throw new UnsupportedSchemaException("additionalProperties", path, "a schema for additional properties beside declared properties is not supported");
                return new ObjectNode(properties, null, layout);
            }
            // no declared properties: free keys, their values as additionalProperties says (any value when absent or true)
            var value = additional.ValueKind == JsonValueKind.Object ? Node(additional, $"{path}/additionalProperties") : AnyValue(layout);
            return new ObjectNode([], value, layout);
        }

        private GrammarNode Array(JsonElement schema, string path)
        {
            var min = Count(schema, "minItems", path) ?? 0;
            var max = Count(schema, "maxItems", path);
            if (max < min) throw new UnsupportedSchemaException("maxItems", path, "maxItems is below minItems: no array satisfies both");
            GrammarNode item;
            if (schema.TryGetProperty("items", out var items))
            {
                if (items.ValueKind == JsonValueKind.Array) throw new UnsupportedSchemaException("items", path, "tuple-form items (an array of schemas) is not supported");
                item = Node(items, $"{path}/items");
            }
            else
            {
                item = Refuse(strict, "items", path, AnyValue(layout));
            }
            return new ArrayNode(item, min, max, layout);
        }

        private static StringNode String(JsonElement schema, string path)
        {
            var min = Count(schema, "minLength", path) ?? 0;
            var max = Count(schema, "maxLength", path);
            if (max < min) throw new UnsupportedSchemaException("maxLength", path, "maxLength is below minLength: no string satisfies both");
            return new StringNode(min, max);
        }

        private GrammarNode Values(IReadOnlyList<JsonElement> values, string[]? types, string keyword, string path)
        {
            var texts = values
                .Where(v => types is null || types.Any(t => Matches(v, t)))
                .Select(v => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(v, Writer)))
                .ToArray();
            if (texts.Length == 0) throw new UnsupportedSchemaException(keyword, path, $"no {keyword} value has the schema's type");
            return new LiteralNode(texts);
        }

        private static bool Matches(JsonElement value, string type) => type switch
        {
            "object" => value.ValueKind == JsonValueKind.Object,
            "array" => value.ValueKind == JsonValueKind.Array,
            "string" => value.ValueKind == JsonValueKind.String,
            "number" => value.ValueKind == JsonValueKind.Number,
            "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "null" => value.ValueKind == JsonValueKind.Null,
            _ => false,
        };

        private static string[]? Types(JsonElement schema, string path)
        {
            if (!schema.TryGetProperty("type", out var type)) return null;
            string[] names = type.ValueKind switch
            {
                JsonValueKind.String => [type.GetString()!],
                JsonValueKind.Array when type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) =>
                    [.. type.EnumerateArray().Select(t => t.GetString()!).Distinct()],
                _ => throw new UnsupportedSchemaException("type", path, "type must be a name or a non-empty array of names"),
            };
            var unknown = names.FirstOrDefault(n => n is not ("object" or "array" or "string" or "number" or "integer" or "boolean" or "null"));
            if (unknown is not null) throw new UnsupportedSchemaException("type", path, $"unknown type '{unknown}'");
            // "number" already admits every integer; keeping both would only make the grammar ambiguous
            return names.Contains("number") ? [.. names.Where(n => n != "integer")] : names;
        }

        /// <summary>Refuses keywords that belong to another type than the one compiled (e.g. minLength on an object),
        /// unless the schema lists several types.</summary>
        private static void CheckApplies(JsonElement schema, string type, string path)
        {
            var multi = schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.Array && t.GetArrayLength() > 1;
            if (multi) return;
            (string Keyword, string Type)[] owners =
            [
                ("properties", "object"), ("required", "object"), ("additionalProperties", "object"), ("items", "array"),
                ("minItems", "array"), ("maxItems", "array"), ("minLength", "string"), ("maxLength", "string"),
            ];
            foreach (var (keyword, owner) in owners)
            {
                if (owner != type && schema.TryGetProperty(keyword, out _))
                    throw new UnsupportedSchemaException(keyword, path, $"'{keyword}' applies to {owner}s, but the type is {type}");
            }
        }

        private static int? Count(JsonElement schema, string keyword, string path)
        {
            if (!schema.TryGetProperty(keyword, out var value)) return null;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n) || n < 0 || n > 100_000)
                throw new UnsupportedSchemaException(keyword, path, $"{keyword} must be a whole number from 0 to 100000");
            return n;
        }

        /// <summary>Strict mode refuses what would let unspecified content through.</summary>
        private static GrammarNode Refuse(bool strict, string keyword, string path, GrammarNode lenient) => strict
            ? throw new UnsupportedSchemaException(keyword, path, "strict mode needs every value's type spelled out")
            : lenient;

        private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }
}
