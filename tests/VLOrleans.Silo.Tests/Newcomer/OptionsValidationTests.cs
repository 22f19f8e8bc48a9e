using VLOrleans.Silo.Hosting;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>A bad setting stops the server at start-up with the setting's name, nested sections included.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task A_bad_nested_setting_stops_the_server_with_its_name()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["VLO__Model__Path"] = "/nonexistent/model",
            ["VLO__Engine__SlotCount"] = "-1",
        }));
        Assert.Contains("VLO:Engine:SlotCount = '-1' is invalid", failure.Message);
    }

    [Theory]
    [InlineData("Engine", "DecoderDevice", "gpu", "VLO:Engine:DecoderDevice")]
    [InlineData("Limits", "RetryAfterSeconds", 0, "VLO:Limits:RetryAfterSeconds")]
    [InlineData("Sessions", "RecentTurns", 0, "VLO:Sessions:RecentTurns")]
    [InlineData("Engine", "PrefillChunkTokens", 8, "VLO:Engine:PrefillChunkTokens")]
    public void Each_section_is_validated_and_names_the_failing_setting(string section, string setting, object value, string expectedName)
    {
        var options = new VloOptions();
        var target = typeof(VloOptions).GetProperty(section)!.GetValue(options)!;
        target.GetType().GetProperty(setting)!.SetValue(target, value);

        var result = new VloOptionsValidation().Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"{expectedName} = '{value}' is invalid: ", failure);
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.True(new VloOptionsValidation().Validate(null, new VloOptions()).Succeeded);
}
