using VLOrleans.Engine.Generation.Constraints;
using static VLOrleans.Engine.Tests.Constraints.GrammarMatch;

namespace VLOrleans.Engine.Tests.Constraints;

/// <summary>What the compiler refuses, and that it names the keyword and where it is.</summary>
public sealed class JsonSchemaCompilerTests
{
    [Theory]
    [InlineData("""{"type": "string", "pattern": "^a"}""", "pattern", "")]
    [InlineData("""{"type": "string", "format": "date"}""", "format", "")]
    [InlineData("""{"type": "number", "minimum": 0}""", "minimum", "")]
    [InlineData("""{"$ref": "#/$defs/a"}""", "$ref", "")]
    [InlineData("""{"oneOf": [{"type": "string"}]}""", "oneOf", "")]
    [InlineData("""{"type": "object", "properties": {"a": {"type": "array", "uniqueItems": true}}}""", "uniqueItems", "/properties/a")]
    [InlineData("""{"type": "array", "prefixItems": [{"type": "string"}]}""", "prefixItems", "")]
    [InlineData("""{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}""", "required", "")]
    [InlineData("""{"type": "string", "minLength": 3, "maxLength": 2}""", "maxLength", "")]
    [InlineData("""{"type": "string", "minItems": 1}""", "minItems", "")]
    [InlineData("""{"type": "integer", "enum": ["a"]}""", "enum", "")]
    [InlineData("""{"type": "date"}""", "type", "")]
    [InlineData("false", "false", "")]
    public void Unsupported_keyword_is_named(string schema, string keyword, string path)
    {
        var e = Assert.Throws<UnsupportedSchemaException>(() => Schema(schema));
        Assert.Equal(keyword, e.Keyword);
        Assert.Equal(path, e.Path);
        Assert.Equal("unsupported_schema", e.Code);
        Assert.Contains($"'{keyword}'", e.Message);
    }

    [Theory]
    [InlineData("""{"type": "object", "properties": {"a": {"type": "string"}}}""", "additionalProperties")]
    [InlineData("""{"type": "object", "properties": {"a": {}}, "additionalProperties": false}""", "type")]
    [InlineData("""{"type": "array", "items": {"type": "string"}, "maxItems": 1}""", null)]
    public void Strict_mode_needs_closed_objects_and_spelled_out_types(string schema, string? keyword)
    {
        if (keyword is null)
        {
            Assert.NotNull(Schema(schema, strict: true));
            return;
        }
        Assert.Equal(keyword, Assert.Throws<UnsupportedSchemaException>(() => Schema(schema, strict: true)).Keyword);
        Assert.NotNull(Schema(schema, strict: false));
    }

    [Fact]
    public void Annotations_are_ignored()
    {
        var grammar = Schema("""{"title": "T", "description": "d", "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "boolean", "default": true}""");
        Assert.True(Accepts(grammar, "false"));
    }

    [Fact]
    public void Integer_beside_number_is_one_number()
    {
        var grammar = Schema("""{"type": ["integer", "number"]}""");
        Assert.True(Accepts(grammar, "1.5"));
        Assert.Single(After(grammar, "1").Stacks);
    }

    [Fact]
    public void A_tool_choice_naming_no_listed_function_is_refused_with_a_code()
    {
        var e = Assert.Throws<VLOrleans.Engine.Generation.GenerationRejectedException>(() => ToolCallGrammar.Build([new ToolFunction("a")], "b"));
        Assert.Equal("invalid_tool_choice", e.Code);
        Assert.Contains("'b'", e.Message);
        Assert.Equal("invalid_tool_choice", Assert.Throws<VLOrleans.Engine.Generation.GenerationRejectedException>(() => ToolCallGrammar.Build([], null)).Code);
    }
}
