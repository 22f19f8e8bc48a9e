using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using VLOrleans.Contracts;
using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Onnx;
using VLOrleans.Grains.Sessions;
using VLOrleans.Grains.Storage;
using static VLOrleans.Grains.Tests.Sessions.SessionCluster;

namespace VLOrleans.Grains.Tests.Sessions;

public sealed class StoreFailureCluster : SessionCluster;

/// <summary>
/// Issue 22: a store that fails after an answer was fully streamed ends the turn with a typed, retryable
/// <c>store_unavailable</c> — never a clean end — and nothing of the turn is stored; and no engine exception type
/// crosses a grain call (Orleans has no codec for them: the caller got <c>CodecNotFoundException</c> instead).
/// </summary>
public sealed class StoreFailureTests(StoreFailureCluster cluster) : IClassFixture<StoreFailureCluster>
{
    [Fact]
    public async Task An_append_that_fails_after_the_answer_streamed_ends_the_turn_with_store_unavailable_and_stores_nothing()
    {
        var session = await cluster.CreateAsync();
        var deltas = new List<string>();
        cluster.Store.FailAppendsWith = new StoreUnavailableException("The session store cannot be used right now (the disk is full)", new IOException("No space left on device"));
        RequestProblemException failure;
        try
        {
            failure = await Assert.ThrowsAsync<RequestProblemException>(async () =>
            {
                await foreach (var e in session.AskAsync("", Greedy("What is this?", maxTokens: 4)))
                    if (e is AskDelta d) deltas.Add(d.Text);
                    else Assert.IsType<AskAccepted>(e); // no AskCompleted: the turn was not stored
            });
        }
        finally
        {
            cluster.Store.FailAppendsWith = null;
        }
        Assert.Equal((ProblemKind.StoreUnavailable, "store_unavailable"), (failure.Kind, failure.Code));
        Assert.Contains("disk is full", failure.Message, StringComparison.Ordinal);
        Assert.NotEmpty(deltas); // the answer was streamed before the store failed
        Assert.Empty((await session.GetAsync("")).Turns);

        // Retryable: the same question is answered and stored once the store works again, as the first turn.
        var (_, turn) = await AnswerAsync(session, Greedy("What is this?", maxTokens: 4));
        Assert.Equal([0, 1], (await session.GetAsync("")).Turns.Select(t => t.Index));
        Assert.Equal(1, turn.Index);
    }

    [Fact]
    public async Task A_sampling_value_out_of_range_is_named_as_the_client_wrote_it()
    {
        var session = await cluster.CreateAsync();
        var refused = await Assert.ThrowsAsync<RequestProblemException>(() => AnswerAsync(session, Greedy("Hi") with { TopP = 5f }));
        Assert.Equal("top_p must be in (0, 1].", refused.Message);
        refused = await Assert.ThrowsAsync<RequestProblemException>(() => AnswerAsync(session, Greedy("Hi") with { Temperature = 9f }));
        Assert.Equal("temperature must be between 0 and 2.", refused.Message);
    }

    [Fact]
    public void Engine_exceptions_are_translated_into_types_orleans_can_serialise()
    {
        var serializer = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>();
        var terminated = new OperationCanceledException("the ONNX Runtime run was terminated", new OnnxRuntimeException(OnnxErrorCode.Fail, "Exiting due to terminate flag being set to true."));
        var fault = new InferenceFaultException("the inference worker failed while finishing this answer", new InvalidOperationException("slot 1 is not in use"));
        var wrapped = new InvalidOperationException("outer", new OnnxRuntimeException(OnnxErrorCode.Fail, "inner"));

        // The untranslated cancellation does not survive the trip (the reason for the flaky ContextOverflowTests).
        Assert.ThrowsAny<Exception>(() => { _ = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(terminated)); });

        var cancelled = Assert.IsType<OperationCanceledException>(RoundTrip(SessionProblems.AtBoundary(terminated)));
        Assert.Null(cancelled.InnerException);
        Assert.Equal("the ONNX Runtime run was terminated", cancelled.Message);
        var failed = Assert.IsType<RequestProblemException>(RoundTrip(SessionProblems.AtBoundary(fault)));
        Assert.Equal((ProblemKind.GenerationFailed, "generation_failed"), (failed.Kind, failed.Code));
        Assert.Equal("the inference worker failed while finishing this answer: slot 1 is not in use", failed.Message);
        Assert.Equal((ProblemKind.GenerationFailed, "outer"), ((RequestProblemException)RoundTrip(SessionProblems.AtBoundary(wrapped))) is var w ? (w.Kind, w.Message) : default);
        // What may cross as it is stays untouched.
        Assert.Null(SessionProblems.AtBoundary(new OperationCanceledException()));
        Assert.Null(SessionProblems.AtBoundary(new SessionBusyException("s")));

        Exception RoundTrip(Exception? e) => serializer.Deserialize<Exception>(serializer.SerializeToArray(Assert.IsAssignableFrom<Exception>(e)))!;
    }
}
