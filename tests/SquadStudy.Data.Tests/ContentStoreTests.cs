using System.Security.Cryptography;

namespace SquadStudy.Data.Tests;

public sealed class ContentStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"squadstudy-store-{Guid.NewGuid():N}");

    [Fact]
    public void Put_SameBytesTwice_StoresOneFileNamedByItsHash()
    {
        var store = new ContentStore(_directory);
        byte[] bytes = [1, 2, 3, 4, 5];

        var first = store.Put(bytes, "png");
        var second = store.Put(bytes, "png");

        second.ShouldBe(first);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        first.ShouldBe(Path.Combine("store", hash[..2], $"{hash}.png"));
        File.ReadAllBytes(store.Resolve(first)!).ShouldBe(bytes);
        Directory.GetFiles(_directory, "*", SearchOption.AllDirectories).Length.ShouldBe(1);
    }

    [Theory]
    [InlineData("../secret.txt")]
    [InlineData("store/../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("keys/key.xml")]
    public void Resolve_PathOutsideTheStore_ReturnsNull(string path)
    {
        new ContentStore(_directory).Resolve(path).ShouldBeNull();
    }

    [Theory]
    [InlineData("../png")]
    [InlineData("")]
    [InlineData("p/ng")]
    public void Put_UnsafeExtension_Throws(string extension)
    {
        Should.Throw<ArgumentException>(() => new ContentStore(_directory).Put([1], extension));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
