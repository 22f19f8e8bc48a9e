namespace VLOrleans.Engine.Models.Conversion;

/// <summary>
/// A read-only stream over chunks produced on demand by an iterator, so a converted tensor (transposed, narrowed or
/// quantised) flows into the external-data file one row block at a time and is never held whole in memory.
/// A chunk's memory may be reused by the producer after the next chunk is requested.
/// </summary>
internal sealed class ChunkStream : Stream
{
    private readonly IEnumerator<ReadOnlyMemory<byte>> _chunks;
    private ReadOnlyMemory<byte> _current;
    private long _position;

    public ChunkStream(IEnumerable<ReadOnlyMemory<byte>> chunks) => _chunks = chunks.GetEnumerator();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_current.IsEmpty)
        {
            if (!_chunks.MoveNext()) return 0;
            _current = _chunks.Current;
        }
        var n = Math.Min(buffer.Length, _current.Length);
        _current.Span[..n].CopyTo(buffer);
        _current = _current[n..];
        _position += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _chunks.Dispose();
        base.Dispose(disposing);
    }
}
