using VLOrleans.Silo.Endpoints.OpenAi;

namespace VLOrleans.Silo.Tests.Api;

/// <summary>
/// A model's answer in OpenAI's tool-call shape (what a real Qwen3-VL writes under tool_choice auto; the random tiny
/// model never does, so these answers are written by hand in Qwen's format): prose becomes content (null when there is
/// none), each &lt;tool_call&gt; block a call with string arguments and its own id, finish_reason tool_calls when the
/// answer ended by itself; parallel_tool_calls: false keeps the first call only.
/// </summary>
public sealed class OpenAiToolCallAnswersTests
{
    private const string TwoCalls = "Checking both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\n" +
        "<tool_call>\n{\"name\": \"zoom\", \"arguments\": {\"x\": 1}}\n</tool_call>";

    [Fact]
    public void Calls_and_prose_are_split_and_the_finish_reason_is_tool_calls()
    {
        var (message, finish) = ToolCallAnswers.Whole(TwoCalls, "stop", parallelCalls: true);
        Assert.Equal("tool_calls", finish);
        Assert.Equal("Checking both.", message.Content);
        Assert.Equal(["get_weather", "zoom"], message.ToolCalls!.Select(c => c.Function.Name));
        Assert.Equal(["{\"city\": \"Oslo\"}", "{\"x\": 1}"], message.ToolCalls!.Select(c => c.Function.Arguments));
        Assert.All(message.ToolCalls!, c => Assert.Matches("^call_[0-9a-f]{24}$", c.Id));
        Assert.NotEqual(message.ToolCalls![0].Id, message.ToolCalls[1].Id);
    }

    [Fact]
    public void Parallel_tool_calls_false_keeps_the_first_call()
    {
        var (message, _) = ToolCallAnswers.Whole(TwoCalls, "stop", parallelCalls: false);
        Assert.Equal("get_weather", Assert.Single(message.ToolCalls!).Function.Name);
    }

    [Fact]
    public void An_answer_of_calls_only_has_null_content()
    {
        var (message, _) = ToolCallAnswers.Whole("<tool_call>\n{\"name\": \"zoom\", \"arguments\": {}}\n</tool_call>", "stop", parallelCalls: true);
        Assert.Null(message.Content);
        Assert.Single(message.ToolCalls!);
    }

    [Fact]
    public void Prose_and_a_cut_off_call_stay_text_with_their_finish_reason()
    {
        var cut = "Let me look.<tool_call>\n{\"name\": \"zoom\", \"argu";
        var (message, finish) = ToolCallAnswers.Whole(cut, "length", parallelCalls: true);
        Assert.Equal(cut, message.Content);
        Assert.Null(message.ToolCalls);
        Assert.Equal("length", finish);

        var (plain, plainFinish) = ToolCallAnswers.Whole("Just prose.", "stop", parallelCalls: true);
        Assert.Equal("Just prose.", plain.Content);
        Assert.Null(plain.ToolCalls);
        Assert.Equal("stop", plainFinish);
    }
}
