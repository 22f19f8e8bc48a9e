namespace VLOrleans.Contracts;

/// <summary>A question named an image the session does not have (HTTP 404, code <c>image_not_found</c>).</summary>
public sealed class ImageNotFoundException(string sessionId, string imageId)
    : Exception($"Session {sessionId} has no image {imageId}; upload it first (POST /api/v1/sessions/{sessionId}/images).")
{
    public string SessionId { get; } = sessionId;

    public string ImageId { get; } = imageId;
}
