using SquadStudy.Engine.Rendering;
using SquadStudy.Engine.Tests.Imaging;

namespace SquadStudy.Engine.Tests.Rendering;

public class ColormapTests
{
    [Theory]
    [InlineData(ColormapKind.Jet, "colormap_jet.rgb")]
    [InlineData(ColormapKind.Turbo, "colormap_turbo.rgb")]
    public void Colormap_EqualsMatplotlibBytes_Over1201Values(ColormapKind kind, string reference)
    {
        var values = ImageFixtures.Floats("colormap_values.f32");
        var expected = ImageFixtures.Bytes(reference);
        var map = Colormap.Get(kind);

        for (var i = 0; i < values.Length; i++)
        {
            map[values[i]].ShouldBe((expected[3 * i], expected[3 * i + 1], expected[3 * i + 2]), $"v = {values[i]}");
        }
    }

    [Fact]
    public void Jet_Anchors_AreDarkBlueGreenishAndDarkRed()
    {
        // matplotlib jet: blue starts at 0.5 → ⌊127.5⌋; red ends at 0.5.
        Colormap.Jet[0f].ShouldBe(((byte)0, (byte)0, (byte)127));
        Colormap.Jet[1f].ShouldBe(((byte)127, (byte)0, (byte)0));
        Colormap.Jet[0.5f].ShouldBe(((byte)124, (byte)255, (byte)121)); // entry 128: red 0.4902 → 124.9999… → 124
    }

    [Fact]
    public void Turbo_Anchors_AreFirstAndLastTableEntries()
    {
        // ⌊255·(0.18995, 0.07176, 0.23217)⌋ and ⌊255·(0.4796, 0.01583, 0.01055)⌋ from Google's table.
        Colormap.Turbo[0f].ShouldBe(((byte)48, (byte)18, (byte)59));
        Colormap.Turbo[1f].ShouldBe(((byte)122, (byte)4, (byte)2));
    }

    [Fact]
    public void Colormap_OutOfRange_Clamps_AndNaN_Throws()
    {
        Colormap.Jet[-3f].ShouldBe(Colormap.Jet[0f]);
        Colormap.Jet[7f].ShouldBe(Colormap.Jet[1f]);
        Should.Throw<ArgumentException>(() => Colormap.Jet[float.NaN]);
    }

    [Fact]
    public void Colormap_HasFullTable()
    {
        Colormap.Jet.Table.Length.ShouldBe(768);
        Colormap.Turbo.Table.Length.ShouldBe(768);
    }
}
