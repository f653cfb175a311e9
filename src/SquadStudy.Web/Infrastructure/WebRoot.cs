namespace SquadStudy.Web.Infrastructure;

/// <summary>
/// The site's static files live in the repository's top-level <c>wwwroot/</c>. A published app has
/// them beside it (the csproj copies them); a run from source finds them above the project.
/// </summary>
public static class WebRoot
{
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        WebRootPath = Locate(Directory.GetCurrentDirectory()),
    };

    public static string? Locate(string start)
    {
        if (Directory.Exists(Path.Combine(start, "wwwroot")))
        {
            return null;
        }
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SquadStudy.sln")) && Directory.Exists(Path.Combine(dir.FullName, "wwwroot")))
            {
                return Path.Combine(dir.FullName, "wwwroot");
            }
        }
        return null;
    }
}
