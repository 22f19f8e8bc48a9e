using System.Text;
using System.Text.Json;
using VLOrleans.Engine.Generation.Constraints;

namespace VLOrleans.Engine.Tests.Constraints;

/// <summary>Feeds exact byte strings through a grammar's state, byte by byte (no automaton cache, no trie).</summary>
internal static class GrammarMatch
{
    public static GrammarNode Schema(string json, bool strict = false) => JsonSchemaCompiler.Compile(JsonDocument.Parse(json).RootElement.Clone(), strict);

    /// <summary>The state after <paramref name="text"/>'s UTF-8 bytes (dead when a byte was refused).</summary>
    public static GrammarState After(GrammarNode grammar, string text) => After(grammar, Encoding.UTF8.GetBytes(text));

    public static GrammarState After(GrammarNode grammar, byte[] bytes)
    {
        var state = GrammarState.Start(grammar);
        foreach (var b in bytes)
        {
            state = state.Step(b);
            if (state.IsDead) break;
        }
        return state;
    }

    /// <summary>The whole text is a complete output.</summary>
    public static bool Accepts(GrammarNode grammar, string text) => After(grammar, text) is { IsDead: false, IsAccepting: true };

    /// <summary>The text can still be continued into a complete output.</summary>
    public static bool IsPrefix(GrammarNode grammar, string text) => !After(grammar, text).IsDead;
}
