using VLOrleans.Engine.Generation;
using VLOrleans.Silo.Errors;

namespace VLOrleans.Silo.Tests.Durability;

/// <summary>An answer the inference worker ended after an internal fault (issue 22) reaches the client as a known
/// error — an SSE <c>error</c> event, a hub error, a problem response — not as a stream that breaks off.</summary>
public sealed class InferenceFaultMappingTests
{
    [Fact]
    public void An_inference_fault_is_a_500_generation_failed()
    {
        var fault = new InferenceFaultException("the inference worker failed while finishing this answer", new InvalidOperationException("slot 1 is not in use"));
        Assert.Equal((500, "generation_failed"), ProblemMapping.Classify(fault) is { } p ? (p.Status, p.Code) : (0, ""));
    }
}
