using SquadStudy.Web.Infrastructure;

var builder = WebApplication.CreateBuilder(WebRoot.Options(args));
builder.AddPlatformServices();

var app = builder.Build();
app.UsePlatformPipeline();
app.Run();
