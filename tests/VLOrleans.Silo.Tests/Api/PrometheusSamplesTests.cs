namespace VLOrleans.Silo.Tests.Api;

/// <summary>The test-side Prometheus parser against the format's own example and against text that breaks its rules.</summary>
public sealed class PrometheusSamplesTests
{
    // The example of the text format's documentation (prometheus.io, "Exposition formats"), summary quantiles shortened.
    private const string SpecificationExample = """
        # HELP http_requests_total The total number of HTTP requests.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"}    3 1395066363000

        # Escaping in label values:
        msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

        # Minimalistic line:
        metric_without_timestamp_and_labels 12.47

        # A weird metric from before the epoch:
        something_weird{problem="division by zero"} +Inf -3982045

        # A histogram, which has a pretty complex representation in the text format:
        # HELP http_request_duration_seconds A histogram of the request duration.
        # TYPE http_request_duration_seconds histogram
        http_request_duration_seconds_bucket{le="0.05"} 24054
        http_request_duration_seconds_bucket{le="0.1"} 33444
        http_request_duration_seconds_bucket{le="0.2"} 100392
        http_request_duration_seconds_bucket{le="0.5"} 129389
        http_request_duration_seconds_bucket{le="1"} 133988
        http_request_duration_seconds_bucket{le="+Inf"} 144320
        http_request_duration_seconds_sum 53423
        http_request_duration_seconds_count 144320

        # Finally a summary, which has a complex representation, too:
        # HELP rpc_duration_seconds A summary of the RPC duration in seconds.
        # TYPE rpc_duration_seconds summary
        rpc_duration_seconds{quantile="0.5"} 4773
        rpc_duration_seconds{quantile="0.99"} 76656
        rpc_duration_seconds_sum 1.7560473e+07
        rpc_duration_seconds_count 2693

        """;

    [Fact]
    public void The_specification_example_parses_to_its_values()
    {
        var metrics = PrometheusSamples.Parse(SpecificationExample.ReplaceLineEndings("\n"));

        Assert.Equal(1027, metrics["http_requests_total{method=\"post\",code=\"200\"}"]);
        Assert.Equal(3, metrics["http_requests_total{code=\"400\"}"]); // a selector may name some of the labels
        Assert.Equal((long?)1395066363000, metrics.Select("http_requests_total{code=\"400\"}")[0].TimestampMs);
        var msdos = metrics.Select("msdos_file_access_time_seconds")[0];
        Assert.Equal(@"C:\DIR\FILE.TXT", msdos.Label("path"));
        Assert.Equal("Cannot find file:\n\"FILE.TXT\"", msdos.Label("error"));
        Assert.Equal(1.458255915e9, msdos.Value);
        Assert.Equal(12.47, metrics["metric_without_timestamp_and_labels"]);
        Assert.Equal(double.PositiveInfinity, metrics["something_weird"]);
        Assert.Equal((long?)-3982045, metrics.Select("something_weird")[0].TimestampMs);
        Assert.Equal("histogram", metrics.TypeOf("http_request_duration_seconds"));
        Assert.Equal("A histogram of the request duration.", metrics.HelpOf("http_request_duration_seconds"));
        Assert.Equal(144320, metrics["http_request_duration_seconds_bucket{le=\"+Inf\"}"]);
        Assert.Equal(1.7560473e+07, metrics["rpc_duration_seconds_sum"]);
        Assert.Null(metrics.TypeOf("metric_without_timestamp_and_labels"));
        Assert.Equal(0, metrics["absent_metric"]);
        Assert.False(metrics.Has("http_requests_total{code=\"500\"}"));
    }

    [Theory]
    [InlineData("a_total 1", "line feed")] // the last line must end in \n
    [InlineData("# TYPE a counter\na 1\n# TYPE b gauge\nb 1\na{x=\"y\"} 2\n", "one group")]
    [InlineData("a 1\n# TYPE a gauge\n", "after its samples")]
    [InlineData("# TYPE a gauge\n# TYPE a gauge\na 1\n", "second TYPE")]
    [InlineData("# TYPE a meter\na 1\n", "unknown type")]
    [InlineData("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 1\n", "twice")]
    [InlineData("a{x=\"1\",x=\"2\"} 1\n", "twice")]
    [InlineData("a{__name__=\"b\"} 1\n", "bad label name")]
    [InlineData("a{x=\"\\t\"} 1\n", "bad escape")]
    [InlineData("a{x=\"1} 1\n", "unterminated")]
    [InlineData("a one\n", "bad value")]
    [InlineData("a 1 2 3\n", "at most a timestamp")]
    [InlineData("a 1 1.5\n", "bad timestamp")]
    [InlineData("# TYPE c counter\nc -1\n", "counter")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not cumulative")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not ascending")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "no +Inf")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", "_count")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "no _sum")]
    public void Text_that_breaks_the_format_is_refused(string text, string why)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusSamples.Parse(text));
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_selector_that_picks_two_series_fails_the_test()
    {
        var metrics = PrometheusSamples.Parse("a{x=\"1\"} 1\na{x=\"2\"} 2\n");
        Assert.Equal(2, metrics["a{x=\"2\"}"]);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => metrics["a"]);
    }
}
