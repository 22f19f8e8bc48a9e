using System.Text;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Text;
using static VLOrleans.Engine.Tests.Constraints.GrammarMatch;

namespace VLOrleans.Engine.Tests.Constraints;

/// <summary>The byte automaton on exact strings: what is accepted, what is refused and exactly where, per JSON's grammar (RFC 8259)
/// and the schema keywords' meaning.</summary>
public sealed class GrammarAutomatonTests
{
    private const string Person = """
        {"type": "object", "properties": {"name": {"type": "string", "maxLength": 5}, "age": {"type": "integer"},
         "tags": {"type": "array", "items": {"enum": ["a", "bc"]}, "minItems": 1, "maxItems": 2}}, "required": ["name", "tags"],
         "additionalProperties": false}
        """;

    [Theory]
    [InlineData("""{"name": "Ann", "tags": ["a"]}""", true)]
    [InlineData("""{"name": "Ann", "age": 42, "tags": ["a", "bc"]}""", true)]
    [InlineData("""{"name": "", "age": -0, "tags": ["bc"]}""", true)]
    [InlineData("""{"name": "Annie", "tags": ["a"]}""", true)]    // maxLength 5: exactly five
    [InlineData("""{"name": "Annies", "tags": ["a"]}""", false)]  // six
    [InlineData("""{"name": "Ann"}""", false)]                    // tags required
    [InlineData("""{"tags": ["a"], "name": "Ann"}""", false)]     // declaration order
    [InlineData("""{"name": "Ann", "tags": []}""", false)]        // minItems 1
    [InlineData("""{"name": "Ann", "tags": ["a", "a", "a"]}""", false)] // maxItems 2
    [InlineData("""{"name": "Ann", "tags": ["b"]}""", false)]     // not in enum
    [InlineData("""{"name": "Ann", "age": 4.5, "tags": ["a"]}""", false)] // integer
    [InlineData("""{"name": "Ann", "age": 01, "tags": ["a"]}""", false)]  // leading zero
    [InlineData("""{"name": "Ann", "tags": ["a"], "x": 1}""", false)] // no other property
    [InlineData("""{"name":"Ann", "tags": ["a"]}""", false)]     // the layout is fixed: ": "
    [InlineData("""{"name": "Ann",  "tags": ["a"]}""", false)]   // and ", "
    public void Object_schema_accepts_exactly_its_documents(string text, bool accepted) =>
        Assert.Equal(accepted, Accepts(Schema(Person), text));

    [Fact]
    public void A_refused_byte_is_refused_where_it_occurs()
    {
        var grammar = Schema(Person);
        Assert.True(IsPrefix(grammar, """{"name": "Annie"""));
        Assert.False(IsPrefix(grammar, """{"name": "Annies"""));   // the sixth character
        Assert.True(IsPrefix(grammar, """{"na"""));
        Assert.False(IsPrefix(grammar, """{"nb"""));
        Assert.False(IsPrefix(grammar, """{"age"""));             // name (required) comes first
        Assert.True(IsPrefix(grammar, """{"name": "A", "a"""));   // age or…
        Assert.True(IsPrefix(grammar, """{"name": "A", "t"""));   // …tags
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("-0", true)]
    [InlineData("12.5e-3", true)]
    [InlineData("1E+99", true)]
    [InlineData("1e100", false)]  // exponent capped at two digits
    [InlineData("1.", false)]
    [InlineData(".5", false)]
    [InlineData("-", false)]
    [InlineData("00", false)]
    [InlineData("+1", false)]
    [InlineData("123456789012345", true)]   // 15 digits
    [InlineData("1234567890123456", false)] // 16
    public void Number_follows_the_JSON_grammar_with_capped_digits(string text, bool accepted) =>
        Assert.Equal(accepted, Accepts(Schema("""{"type": "number"}"""), text));

    [Theory]
    [InlineData("\"\"", true)]
    [InlineData("\"a\\\"b\"", true)]
    [InlineData("\"\\u00e9\\n\\/\"", true)]
    [InlineData("\"\\ud83d\"", false)] // a \u escape of a surrogate
    [InlineData("\"\\x\"", false)]
    [InlineData("\"a\tb\"", false)]    // raw control character
    [InlineData("\"é日😀\"", true)]
    public void String_allows_valid_json_text_only(string text, bool accepted) =>
        Assert.Equal(accepted, Accepts(Schema("""{"type": "string"}"""), text));

    [Fact]
    public void String_refuses_invalid_utf8()
    {
        var grammar = Schema("""{"type": "string"}""");
        Assert.True(After(grammar, [(byte)'"', 0xC3, 0xA9, (byte)'"']).IsAccepting);            // é
        Assert.True(After(grammar, [(byte)'"', 0xC0, 0xA9]).IsDead);                             // overlong lead
        Assert.True(After(grammar, [(byte)'"', 0xE0, 0x80]).IsDead);                             // overlong 3-byte
        Assert.True(After(grammar, [(byte)'"', 0xED, 0xA0]).IsDead);                             // UTF-16 surrogate D800
        Assert.True(After(grammar, [(byte)'"', 0xF4, 0x90]).IsDead);                             // above U+10FFFF
        Assert.True(After(grammar, [(byte)'"', 0xC3, (byte)'"']).IsDead);                        // truncated character
    }

    [Fact]
    public void String_length_counts_code_points_and_escapes_as_one()
    {
        var grammar = Schema("""{"type": "string", "minLength": 2, "maxLength": 3}""");
        Assert.False(Accepts(grammar, "\"a\""));
        Assert.True(Accepts(grammar, "\"ab\""));
        Assert.True(Accepts(grammar, "\"é日😀\""));          // three code points, nine bytes
        Assert.True(Accepts(grammar, "\"\\n\\u0041b\""));    // three: \n, \u0041, b
        Assert.False(Accepts(grammar, "\"abcd\""));
    }

    [Fact]
    public void Nullable_type_arrays_and_anyOf_take_either_branch()
    {
        var nullable = Schema("""{"type": ["string", "null"]}""");
        Assert.True(Accepts(nullable, "null"));
        Assert.True(Accepts(nullable, "\"x\""));
        Assert.False(Accepts(nullable, "1"));
        var anyOf = Schema("""{"anyOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}, {"type": "object", "properties": {"ab": {"type": "boolean"}}, "required": ["ab"]}]}""");
        Assert.True(Accepts(anyOf, """{"a": 1}"""));
        Assert.True(Accepts(anyOf, """{"ab": true}"""));
        Assert.False(Accepts(anyOf, """{"ab": 1}"""));
        Assert.Equal(2, After(anyOf, """{"a""").Stacks.Count);  // undecided until the key's next byte
    }

    [Fact]
    public void Enum_values_that_prefix_each_other_both_match()
    {
        var grammar = Schema("""{"type": "array", "items": {"enum": [1, 12]}}""");
        Assert.True(Accepts(grammar, "[1, 12, 1]"));
        Assert.False(Accepts(grammar, "[123]"));
    }

    [Fact]
    public void Json_object_mode_accepts_any_object_and_nothing_else()
    {
        var grammar = JsonSchemaCompiler.AnyObject(JsonLayout.Spaced);
        Assert.True(Accepts(grammar, """{"a": [1, {"b": null}, "c", true], "d": {}}"""));
        Assert.False(Accepts(grammar, "[1]"));
        Assert.False(Accepts(grammar, """{"a": 1} """));
    }

    [Fact]
    public void A_top_level_number_may_end_or_go_on()
    {
        var state = After(Schema("""{"type": "integer"}"""), "12");
        Assert.True(state.IsAccepting);
        Assert.False(state.Step((byte)'3').IsDead);
        Assert.True(state.Step((byte)',').IsDead);
    }

    [Fact]
    public void Min_completion_is_the_shortest_way_to_finish()
    {
        var grammar = Schema(Person);
        // {"name": "", "tags": ["a"]} is the shortest document: 27 bytes
        Assert.Equal(Encoding.UTF8.GetByteCount("""{"name": "", "tags": ["a"]}"""), GrammarState.Start(grammar).MinCompletion);
        // after {"name": "Al  → "  , "tags": ["a"]}  = 1 + 16
        Assert.Equal(Encoding.UTF8.GetByteCount("\", \"tags\": [\"a\"]}"), After(grammar, """{"name": "Al""").MinCompletion);
        Assert.Equal(0, After(grammar, """{"name": "Al", "tags": ["bc"]}""").MinCompletion);
    }

    [Fact]
    public void Tool_call_grammar_is_qwens_template_format()
    {
        var weather = new ToolFunction("get_weather", System.Text.Json.JsonDocument.Parse("""{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false}""").RootElement.Clone());
        var grammar = ToolCallGrammar.Build([weather], "get_weather");
        var state = GrammarState.Start(grammar);
        Assert.Equal([SpecialTokens.ToolCallStart], state.SpecialTokens());
        Assert.True(state.Step((byte)'<').IsDead); // the tag is the added token, never its letters
        state = state.StepSpecial(SpecialTokens.ToolCallStart);
        foreach (var b in Encoding.UTF8.GetBytes("\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n")) state = state.Step(b);
        Assert.False(state.IsAccepting);
        Assert.Equal([SpecialTokens.ToolCallEnd], state.SpecialTokens());
        Assert.True(state.StepSpecial(SpecialTokens.ToolCallEnd).IsAccepting);
    }

    [Fact]
    public void Required_tool_choice_allows_several_calls_joined_by_a_newline()
    {
        var grammar = ToolCallGrammar.Build([new ToolFunction("a"), new ToolFunction("b")], null);
        var state = GrammarState.Start(grammar).StepSpecial(SpecialTokens.ToolCallStart);
        foreach (var b in Encoding.UTF8.GetBytes("\n{\"name\": \"b\", \"arguments\": {}}\n")) state = state.Step(b);
        state = state.StepSpecial(SpecialTokens.ToolCallEnd);
        Assert.True(state.IsAccepting);
        state = state.Step((byte)'\n');
        Assert.False(state.IsAccepting);
        Assert.Equal([SpecialTokens.ToolCallStart], state.SpecialTokens());
    }
}
