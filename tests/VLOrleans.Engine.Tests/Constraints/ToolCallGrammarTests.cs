using System.Text;
using System.Text.Json;
using VLOrleans.Engine.Generation.Constraints;
using VLOrleans.Engine.Text;

namespace VLOrleans.Engine.Tests.Constraints;

/// <summary>
/// How many calls a forced tool-call answer may hold: tool_choice "required" allows several (joined by "\n", as the
/// Qwen templates write them), parallel_tool_calls: false (<see cref="ToolCallOutput.SingleCall"/>) exactly one.
/// </summary>
public sealed class ToolCallGrammarTests
{
    private static readonly ToolFunction Ping = new("ping", JsonDocument.Parse("""{"type": "object", "properties": {}, "additionalProperties": false}""").RootElement.Clone());

    /// <summary>The state after one whole call: &lt;tool_call&gt;, its JSON line, &lt;/tool_call&gt;.</summary>
    private static GrammarState AfterOneCall(GrammarNode grammar)
    {
        var state = GrammarState.Start(grammar).StepSpecial(SpecialTokens.ToolCallStart);
        foreach (var b in Encoding.UTF8.GetBytes("\n{\"name\": \"ping\", \"arguments\": {}}\n")) state = state.Step(b);
        return state.StepSpecial(SpecialTokens.ToolCallEnd);
    }

    [Fact]
    public void Required_allows_a_second_call_after_the_first()
    {
        var afterOne = AfterOneCall(new ToolCallOutput([Ping]).Compile());
        Assert.True(afterOne.IsAccepting);
        var second = afterOne.Step((byte)'\n').StepSpecial(SpecialTokens.ToolCallStart);
        Assert.False(second.IsDead);
    }

    [Fact]
    public void A_single_call_ends_the_answer()
    {
        var afterOne = AfterOneCall(new ToolCallOutput([Ping], SingleCall: true).Compile());
        Assert.True(afterOne.IsAccepting);
        Assert.True(afterOne.Step((byte)'\n').IsDead);
    }
}
