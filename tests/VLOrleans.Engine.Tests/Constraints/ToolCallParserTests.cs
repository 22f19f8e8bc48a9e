using VLOrleans.Engine.Generation.Constraints;

namespace VLOrleans.Engine.Tests.Constraints;

/// <summary>Qwen's &lt;tool_call&gt; output, as the chat templates render an assistant's tool_calls, read back into calls — whole and streamed.</summary>
public sealed class ToolCallParserTests
{
    // What the Qwen3-VL template renders for two calls after some content (a "\n" before every call but a first one
    // without content, '{"name": "' + name + '", "arguments": ' + arguments|tojson + '}\n</tool_call>').
    private const string TwoCalls = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n" +
                                    "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\", \"n\": [1, 2]}}\n</tool_call>";

    [Fact]
    public void Calls_and_content_are_split()
    {
        var result = ToolCallParser.Parse(TwoCalls);
        Assert.Equal("Let me check.", result.Content);
        Assert.Equal(
            [new ParsedToolCall("get_weather", "{\"city\": \"Paris\"}"), new ParsedToolCall("get_time", "{\"zone\": \"CET\", \"n\": [1, 2]}")],
            result.Calls);
    }

    [Fact]
    public void Arguments_written_as_a_json_string_are_unwrapped()
    {
        var result = ToolCallParser.Parse("<tool_call>\n{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}\n</tool_call>");
        Assert.Equal(new ParsedToolCall("f", "{\"a\": 1}"), Assert.Single(result.Calls));
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}\n</tool_call>")]   // missing brace
    [InlineData("<tool_call>\n{\"arguments\": {}}\n</tool_call>")]                           // no name
    [InlineData("<tool_call>\n{\"name\": \"f\", \"arguments\": [1]}\n</tool_call>")]         // arguments not an object
    [InlineData("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n")]                      // cut off before the closing tag
    public void Malformed_blocks_stay_content(string text)
    {
        var result = ToolCallParser.Parse(text);
        Assert.Empty(result.Calls);
        Assert.Equal(text, result.Content);
    }

    [Fact]
    public void Plain_text_has_no_calls()
    {
        var result = ToolCallParser.Parse("Hello <tool");
        Assert.Empty(result.Calls);
        Assert.Equal("Hello <tool", result.Content);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Streaming_in_any_chunking_gives_the_same_calls_and_content(int chunk)
    {
        var parser = new ToolCallStreamParser();
        var events = new List<ToolCallStreamEvent>();
        for (var i = 0; i < TwoCalls.Length; i += chunk) events.AddRange(parser.Push(TwoCalls.Substring(i, Math.Min(chunk, TwoCalls.Length - i))));
        events.AddRange(parser.Finish());
        var content = string.Concat(events.OfType<ContentDelta>().Select(d => d.Text));
        Assert.Equal("Let me check.\n\n", content); // the separators between blocks are content too; the whole-answer parse trims
        Assert.Equal([0, 1], events.OfType<ToolCallCompleted>().Select(c => c.Index));
        Assert.Equal(ToolCallParser.Parse(TwoCalls).Calls, events.OfType<ToolCallCompleted>().Select(c => c.Call));
    }

    [Fact]
    public void Streaming_holds_back_a_possible_tag_and_releases_it_when_it_is_not_one()
    {
        var parser = new ToolCallStreamParser();
        Assert.Equal([new ContentDelta("a ")], parser.Push("a <tool"));  // "<tool" could begin <tool_call>
        Assert.Equal([new ContentDelta("<tools> b")], parser.Push("s> b"));
        Assert.Empty(parser.Push("<tool_call>\n{\"name\": \"f\""));       // inside a call: nothing yet
        Assert.Equal([new ContentDelta("<tool_call>\n{\"name\": \"f\"")], parser.Finish()); // never closed: prose
    }
}
