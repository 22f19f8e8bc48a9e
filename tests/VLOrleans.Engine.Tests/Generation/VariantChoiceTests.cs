using VLOrleans.Engine.Generation;
using VLOrleans.Engine.Models;
using VLOrleans.Engine.Models.Conversion;
using VLOrleans.Engine.Models.Package;
using VLOrleans.Engine.Tests.TinyModels;

namespace VLOrleans.Engine.Tests.Generation;

public sealed class VariantChoiceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vlo-variants-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_most_precise_variant_that_fits_the_budget_is_chosen()
    {
        var package = Path.Combine(_folder, "pkg");
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, package, new ConversionOptions { Weights = WeightFormat.Fp32 });
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, package, new ConversionOptions { Weights = WeightFormat.Int4 });
        var opened = ModelPackage.Open(package);
        var fp32 = VisionLanguageEngine.VariantBytes(opened, "fp32");
        var int4 = VisionLanguageEngine.VariantBytes(opened, "int4");
        Assert.True(int4 < fp32, $"int4 ({int4} B) should be smaller than fp32 ({fp32} B)");

        Assert.Equal("fp32", VisionLanguageEngine.ChooseVariant(opened, fp32));
        Assert.Equal("int4", VisionLanguageEngine.ChooseVariant(opened, fp32 - 1));
        // Nothing fits: the smallest is the best that can be done.
        Assert.Equal("int4", VisionLanguageEngine.ChooseVariant(opened, 1));
    }

    [Fact]
    public void Asking_for_a_variant_the_package_lacks_names_what_it_has()
    {
        var package = Path.Combine(_folder, "pkg1");
        ModelConverter.Convert(TinyModelFiles.Qwen3VlTiny, package, new ConversionOptions { Weights = WeightFormat.Fp32 });
        var e = Assert.Throws<ModelLoadException>(() => VisionLanguageEngine.Load(new EngineOptions { ModelPath = package, Variant = "int8", SlotCount = 1 }));
        Assert.Contains("int8", e.Message);
        Assert.Contains("fp32", e.Message);
    }
}
