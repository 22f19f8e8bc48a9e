namespace VLOrleans.Grains.Sessions;

/// <summary>One completed exchange as the prompt needs it: the question, the images it attached, and the answer.</summary>
internal sealed record KeptTurn(string Question, IReadOnlyList<string> ImageIds, string Answer);
