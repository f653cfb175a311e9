using System.CommandLine;
using SquadStudy.Cli.Commands;

var root = new RootCommand("SquadStudy: human studies of visual explanations of image classifiers.")
{
    AdminCommand.Create(),
    ReportCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
