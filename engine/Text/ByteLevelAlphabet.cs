namespace VLOrleans.Engine.Text;

/// <summary>
/// GPT-2 byte-level alphabet: each of the 256 byte values is shown as one printable char so BPE vocab
/// strings are text ('Ġ' = 0x20 space, 'Ċ' = 0x0A newline). Printable Latin-1 bytes map to themselves;
/// the other 68 bytes map to U+0100.. in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Char shown for each byte.</summary>
    public static readonly char[] ByteToChar = Build();

    /// <summary>Byte for each char below U+0144 (the highest char used), or -1.</summary>
    public static readonly short[] CharToByte = BuildReverse();

    private static char[] Build()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildReverse()
    {
        var reverse = new short[0x144];
        Array.Fill(reverse, (short)-1);
        for (var b = 0; b < 256; b++) reverse[ByteToChar[b]] = (short)b;
        return reverse;
    }

    /// <summary>Bytes of a vocab string, or null when it holds a char outside the alphabet.</summary>
    public static byte[]? ToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            if (c >= CharToByte.Length || CharToByte[c] < 0) return null;
            bytes[i] = (byte)CharToByte[c];
        }
        return bytes;
    }
}
