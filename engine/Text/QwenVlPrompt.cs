using System.Text.Json;
using VLOrleans.Engine.Models;

namespace VLOrleans.Engine.Text;

/// <summary>
/// Conversation → prompt token ids in one call: render with the family's chat template, tokenise, expand each
/// image/video placeholder to its grid's token count. Feed the result to <see cref="RopeIndex.Compute(QwenVlFamily, ReadOnlySpan{int}, IReadOnlyList{GridThw}?, IReadOnlyList{GridThw}?, IReadOnlyList{double}?, RopeIndex.Options?)"/>.
/// </summary>
public static class QwenVlPrompt
{
    /// <summary>Ids of the rendered, tokenised and expanded prompt. <c>imageGrids</c>: one grid per image, in the
    /// order the images appear in <c>messages</c>. Throws <see cref="TextException"/> when the counts disagree.</summary>
    public static int[] Encode(QwenTokenizer tokenizer, QwenVlFamily family, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        IReadOnlyList<GridThw> imageGrids, IReadOnlyList<GridThw>? videoGrids = null, IReadOnlyList<JsonElement>? tools = null, bool addVisionId = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var text = ChatTemplates.For(family).Render(messages, addGenerationPrompt, tools, addVisionId);
        return ImagePlaceholderExpander.Expand(tokenizer.Encode(text), imageGrids, videoGrids);
    }
}
