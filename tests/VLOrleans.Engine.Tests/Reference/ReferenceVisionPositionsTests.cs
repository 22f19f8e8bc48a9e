namespace VLOrleans.Engine.Tests.Reference;

/// <summary>Merge order and the position-table interpolation against the formulas in the facts doc (§2.2, §2.7).</summary>
public sealed class ReferenceVisionPositionsTests
{
    [Fact]
    public void Merge_order_matches_the_patch_row_formula()
    {
        // patch (r, c) of an h×w grid is row ((r/2)·(w/2) + c/2)·4 + (r%2)·2 + c%2
        const int h = 4, w = 6;
        var order = ReferenceVisionPositions.MergeOrder(h, w, 2);
        for (var r = 0; r < h; r++)
            for (var c = 0; c < w; c++)
                Assert.Equal((r, c), order[((r / 2) * (w / 2) + c / 2) * 4 + (r % 2) * 2 + c % 2]);
    }

    private static float[] Table(int side, int width)
    {
        var table = new float[side * side * width];
        for (var i = 0; i < table.Length; i++) table[i] = (i * 7919 % 2003) / 1000f - 1;
        return table;
    }

    [Fact]
    public void Interpolation_at_the_table_size_returns_the_table()
    {
        // align_corners: linspace(0,47,48) hits every grid point exactly, all weight on the floor entry
        const int width = 3;
        var table = Table(48, width);
        var result = ReferenceVisionPositions.InterpolateTable(table, 48, width, 48, 48);
        for (var i = 0; i < 48 * 48; i++)
            for (var d = 0; d < width; d++) Assert.Equal(table[i * width + d], result[i][d]);
    }

    [Fact]
    public void Position_terms_at_48x48_are_the_table_in_merge_order_repeated_per_frame()
    {
        // patch row ((r/2)·24 + c/2)·4 + (r%2)·2 + c%2 of each frame gets table entry r·48 + c
        const int width = 2;
        var table = Table(48, width);
        var terms = ReferenceVisionPositions.PatchPositionEmbeddings(table, 48, width, (2, 48, 48), merge: 2);
        Assert.Equal(2 * 2304, terms.Length);
        for (var frame = 0; frame < 2; frame++)
            for (var r = 0; r < 48; r++)
                for (var c = 0; c < 48; c++)
                {
                    var row = frame * 2304 + ((r / 2) * 24 + c / 2) * 4 + (r % 2) * 2 + c % 2;
                    for (var d = 0; d < width; d++) Assert.Equal(table[(r * 48 + c) * width + d], terms[row][d]);
                }
    }

    [Fact]
    public void Interpolation_corners_and_centre()
    {
        const int width = 2;
        var table = Table(48, width);
        double T(int r, int c, int d) => table[(r * 48 + c) * width + d];
        // 2×2: linspace(0,47,2) = [0,47] → the four corners
        var corners = ReferenceVisionPositions.InterpolateTable(table, 48, width, 2, 2);
        Assert.Equal([T(0, 0, 1), T(0, 47, 1), T(47, 0, 1), T(47, 47, 1)], corners.Select(v => v[1]));
        // 3×3: the centre sits at (23.5, 23.5), the mean of entries (23|24, 23|24)
        var centre = ReferenceVisionPositions.InterpolateTable(table, 48, width, 3, 3)[4];
        for (var d = 0; d < width; d++) Assert.Equal((T(23, 23, d) + T(23, 24, d) + T(24, 23, d) + T(24, 24, d)) / 4, centre[d], 1e-12);
        // 3 wide, 2 high: row 1 is table row 47, column 1 at 23.5
        var edge = ReferenceVisionPositions.InterpolateTable(table, 48, width, 2, 3)[4];
        Assert.Equal((T(47, 23, 0) + T(47, 24, 0)) / 2, edge[0], 1e-12);
    }

    [Fact]
    public void Vision_rotary_angles_split_row_and_column_frequencies()
    {
        // head 16 → d = 8: inv_freq = 1/10000^(0/8), 1/10000^(2/8) = 1, 0.1; angles (row·f, col·f)
        var a = ReferenceVisionPositions.RotaryAngles(row: 3, col: 5, headDim: 16);
        Assert.Equal([3.0, 0.3, 0.03, 0.003, 5.0, 0.5, 0.05, 0.005], a, (x, y) => Math.Abs(x - y) < 1e-6);
    }
}
