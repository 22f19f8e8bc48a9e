using VLOrleans.Contracts;
using static VLOrleans.Grains.Tests.Sessions.SessionCluster;

namespace VLOrleans.Grains.Tests.Sessions;

/// <summary>Idempotency-Keys live in the store, not the activation: a retry after Orleans collected the session's grain
/// gets the stored turn back, generated once.</summary>
public sealed class IdempotencyTests(IdleCluster cluster) : IClassFixture<IdleCluster>
{
    [Fact]
    public async Task A_retried_ask_after_a_reactivation_replays_the_stored_turn_and_another_request_with_the_key_is_refused()
    {
        var session = await cluster.CreateAsync("alice");
        var claim = new IdempotencyClaim("retry-1", "fingerprint-of-the-question");
        var (text, turn) = await AnswerWithAsync(session, claim, "What is this?");

        await cluster.Cluster.WaitForDeactivationAsync(session); // idle: Orleans collects it after 1 s
        var (again, replayed) = await AnswerWithAsync(session, claim, "What is this?");

        Assert.Equal((text, turn.Index, turn.Text, turn.CreatedAt), (again, replayed.Index, replayed.Text, replayed.CreatedAt));
        Assert.Equal(2, (await session.GetAsync("alice")).Turns.Count); // one question, one answer: nothing generated again
        var refused = await Assert.ThrowsAsync<RequestProblemException>(() =>
            AnswerWithAsync(session, claim with { Fingerprint = "another-question" }, "Something else?"));
        Assert.Equal((ProblemKind.IdempotencyKeyReused, ProblemCodes.IdempotencyKeyReused), (refused.Kind, refused.Code));
        // Keys are the owner's: the same key names nothing for bob (his own session, his own first ask).
        var bobs = await cluster.CreateAsync("bob");
        Assert.Equal(1, (await AnswerWithAsync(bobs, claim, "What is this?", "bob")).Turn.Index);
    }

    private static async Task<(string Text, TurnView Turn)> AnswerWithAsync(IChatSessionGrain session, IdempotencyClaim claim, string text, string owner = "alice")
    {
        var answer = new System.Text.StringBuilder();
        TurnView? turn = null;
        await foreach (var e in session.AskAsync(owner, Greedy(text), claim))
        {
            if (e is AskDelta d) answer.Append(d.Text);
            else if (e is AskCompleted c) turn = c.Turn;
        }
        return (answer.ToString(), turn ?? throw new InvalidOperationException("no completion"));
    }
}
