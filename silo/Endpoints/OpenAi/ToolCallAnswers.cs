using System.Security.Cryptography;
using VLOrleans.Engine.Generation.Constraints;

namespace VLOrleans.Silo.Endpoints.OpenAi;

/// <summary>
/// Turns a model's answer into OpenAI's tool-call shapes: Qwen writes its calls as
/// <c>&lt;tool_call&gt;{"name", "arguments"}&lt;/tool_call&gt;</c> blocks in the text (parsed by the engine's
/// <see cref="ToolCallParser"/> / <see cref="ToolCallStreamParser"/>); a client reads them as <c>tool_calls</c> with
/// string arguments and <c>finish_reason</c> <c>tool_calls</c>. Used only when the request has tools and tool_choice
/// is not <c>none</c>, so a plain answer's text is never touched.
/// </summary>
public static class ToolCallAnswers
{
    public const string ToolCallsFinish = "tool_calls";

    /// <summary>A non-streamed answer: its prose (null when there is none besides the calls) and the calls.</summary>
    public static (AssistantMessage Message, string FinishReason) Whole(string text, string finishReason, bool parallelCalls)
    {
        var parsed = ToolCallParser.Parse(text);
        if (parsed.Calls.Count == 0) return (new AssistantMessage(text), finishReason);
        var calls = parsed.Calls.Take(parallelCalls ? int.MaxValue : 1) // parallel_tool_calls: false — at most one call
            .Select(c => new ToolCallView(NewCallId(), new FunctionCallView(c.Name, c.ArgumentsJson))).ToArray();
        return (new AssistantMessage(parsed.Content.Length == 0 ? null : parsed.Content) { ToolCalls = calls }, FinishOf(finishReason));
    }

    /// <summary>The finish reason of an answer that made calls: <c>tool_calls</c> when it ended by itself.</summary>
    public static string FinishOf(string finishReason) => finishReason == "stop" ? ToolCallsFinish : finishReason;

    /// <summary>A streamed call: the whole call in one delta at its index.</summary>
    public static ToolCallDeltaView Delta(ToolCallCompleted call) =>
        new(call.Index, NewCallId(), new FunctionCallView(call.Call.Name, call.Call.ArgumentsJson));

    /// <summary>OpenAI's call ids look like <c>call_…</c>; the client sends them back on the tool's result.</summary>
    private static string NewCallId() => "call_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
