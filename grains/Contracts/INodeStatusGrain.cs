namespace VLOrleans.Contracts;

/// <summary>
/// One model node's status, asked of that node: keyed by the silo's address (<c>SiloAddress.ToParsableString()</c>), and
/// placed on exactly that silo by the server's node-pinned placement, so a web node can read every model node's
/// report through Orleans (it lists the silos with the management grain, then asks each).
/// </summary>
[Alias("vlo.INodeStatusGrain")]
public interface INodeStatusGrain : IGrainWithStringKey
{
    [Alias("Get")]
    Task<NodeReport> GetAsync();
}

/// <summary>A node's role, readiness and its whole <c>/api/v1/status</c> report as JSON (the report is the server's own
/// type; JSON keeps the contract small and the shape the one the API documents).</summary>
[GenerateSerializer, Immutable, Alias("vlo.NodeReport")]
public sealed record NodeReport(
    [property: Id(0)] string Role,
    [property: Id(1)] bool Ready,
    [property: Id(2)] string StatusJson);
