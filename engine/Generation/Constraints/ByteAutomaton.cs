namespace VLOrleans.Engine.Generation.Constraints;

/// <summary>
/// A grammar's pushdown matcher turned into a lazily built DFA: each distinct <see cref="GrammarState"/> reached gets
/// an id, and its 256 byte transitions are filled in on first use, so walking the token trie (hundreds of thousands of
/// byte steps per mask) is an array lookup per byte after the first walk. Not thread-safe: <see cref="TokenConstraint"/>
/// serialises access. Grows without bound only as the grammar's reachable states do; the owner resets it past a cap.
/// </summary>
internal sealed class ByteAutomaton
{
    public const int Dead = -1;
    private const int Unknown = -2;

    private readonly List<GrammarState> _states = [];
    private readonly Dictionary<GrammarState, int> _ids = [];
    private readonly List<int> _minCompletion = [];
    private int[] _transitions = new int[256 * 64];

    public ByteAutomaton(GrammarNode grammar)
    {
        StartId = Intern(GrammarState.Start(grammar));
    }

    public int StartId { get; }

    public int StateCount => _states.Count;

    public GrammarState State(int id) => _states[id];

    public int MinCompletion(int id) => _minCompletion[id];

    public int Intern(GrammarState state)
    {
        if (state.IsDead) return Dead;
        if (_ids.TryGetValue(state, out var id)) return id;
        id = _states.Count;
        _states.Add(state);
        _ids[state] = id;
        _minCompletion.Add(state.MinCompletion);
        if (_transitions.Length < (id + 1) * 256) Array.Resize(ref _transitions, _transitions.Length * 2);
        _transitions.AsSpan(id * 256, 256).Fill(Unknown);
        return id;
    }

    public int Next(int id, byte b)
    {
        var next = _transitions[id * 256 + b];
        if (next != Unknown) return next;
        next = Intern(_states[id].Step(b));
        _transitions[id * 256 + b] = next;
        return next;
    }
}
