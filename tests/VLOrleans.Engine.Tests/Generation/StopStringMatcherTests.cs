using VLOrleans.Engine.Generation;

namespace VLOrleans.Engine.Tests.Generation;

public sealed class StopStringMatcherTests
{
    [Fact]
    public void Text_that_may_start_a_stop_string_is_held_back_until_decided()
    {
        var m = new StopStringMatcher(["\nUser:"]);
        Assert.Equal("Hello", m.Push("Hello"));
        Assert.Equal("", m.Push("\nUs"));        // could be the stop string
        Assert.Equal("\nUsually", m.Push("ually")); // it was not
        Assert.False(m.IsStopped);
    }

    [Fact]
    public void A_stop_string_split_across_deltas_stops_and_drops_itself()
    {
        var m = new StopStringMatcher(["###", "END"]);
        Assert.Equal("ab", m.Push("ab#"));
        Assert.Equal("", m.Push("#"));
        Assert.Equal("", m.Push("#tail"));
        Assert.True(m.IsStopped);
        Assert.Equal("", m.Push("more"));
        Assert.Equal("", m.Flush());
    }

    [Fact]
    public void The_earliest_of_several_matches_wins()
    {
        var m = new StopStringMatcher(["b", "a"]);
        Assert.Equal("x", m.Push("xab"));
    }

    [Fact]
    public void Flush_releases_what_was_held_when_generation_ends()
    {
        var m = new StopStringMatcher(["STOP"]);
        Assert.Equal("go ", m.Push("go ST"));
        Assert.Equal("ST", m.Flush());
    }

    [Fact]
    public void Without_stop_strings_text_passes_straight_through()
    {
        var m = new StopStringMatcher([]);
        Assert.Equal("a\nb", m.Push("a\nb"));
    }
}
