package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// errHelp reports that a command's help was asked for and printed: the
// command line ends there with success.
var errHelp = errors.New("help printed")

// synopsis is one command's line of help: its arguments, and what it does
// in English and Chinese.
type synopsis struct{ args, en, zh string }

// commands are the synopses by command path ("user add"); a command with
// subcommands lists them in its own help.
var commands = map[string]synopsis{
	"serve":   {"[flags]", "serve the site and API", "提供网站和接口服务"},
	"demo":    {"[-city] [flags]", "load Nanchang's divisions, profile and demo data, then serve", "载入南昌的区划、城市设置和演示数据后提供服务"},
	"migrate": {"[-status] [flags]", "apply database migrations and report the version", "执行数据库迁移并报告版本"},
	"user":    {"add | passwd | disable | enable | list", "manage accounts", "管理账号"},
	"user add": {"-username U -role R -region CODE [-name N] [-department ID] [-phone P] [flags]",
		"create an account; the password is read from standard input", "创建账号；密码从标准输入读取"},
	"user passwd":     {"USERNAME [flags]", "set a password (read from standard input); lifts a lockout", "设置密码（从标准输入读取）并解除锁定"},
	"user disable":    {"USERNAME [flags]", "stop an account's access", "停用账号"},
	"user enable":     {"USERNAME [flags]", "restore an account's access", "恢复账号"},
	"user list":       {"[flags]", "list accounts", "列出账号"},
	"import":          {"regions | people | holidays", "import data from files", "从文件导入数据"},
	"import regions":  {"FILE [-keep-good] [flags]", "import divisions from CSV (code,name,level,parent_code,kind); a municipality's 市辖区/县 rows are folded into it", "从 CSV 导入行政区划（code,name,level,parent_code,kind）；直辖市的“市辖区”“县”并入直辖市"},
	"import people":   {"FILE [-keep-good] [flags]", "import residents from .csv or .xlsx in the template's format", "按模板格式从 .csv 或 .xlsx 导入居民"},
	"import holidays": {"FILE [flags]", "load or replace a year's holiday arrangement (CSV: from,to,kind,name)", "载入或替换一年的节假日安排（CSV：from,to,kind,name）"},
	"city":            {"show | set", "show or set the city profile", "查看或设置城市"},
	"city show":       {"[flags]", "show the city profile and what is in force", "查看城市设置及当前生效的值"},
	"city set": {"-code CODE [-name N] [-public-url URL] [-jurisdiction ID] [-centre LON,LAT] [-bounds W,S,E,N] [-hours H] [-summer-hours H] [-summer MM-DD:MM-DD] [flags]",
		"set the city profile; flags not given keep their stored values", "设置城市；未给出的参数保持原值"},
	"backup":  {"FILE [flags]", "write a consistent copy of the running SQLite database", "写出运行中 SQLite 数据库的一致副本"},
	"load":    {"[-url U] [-region CODE] [-n N] [-c C] [-suite S]", "measure the latency of the heavy read paths of a running server", "测量运行中服务的主要读取路径的延迟"},
	"keygen":  {"", "print a new personal-data key", "生成新的个人信息加密密钥"},
	"version": {"", "print the version", "显示版本"},
}

// subcommands lists the subcommands of cmd in order.
func subcommands(cmd string) []string {
	var out []string
	for k := range commands {
		if strings.HasPrefix(k, cmd+" ") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// printGroup writes the help of a command with subcommands.
func printGroup(w io.Writer, cmd string) {
	s := commands[cmd]
	fmt.Fprintf(w, "Usage: grassroots %s COMMAND [flags]\n  %s\n  %s\n\nCommands:\n", cmd, s.en, s.zh)
	for _, sub := range subcommands(cmd) {
		c := commands[sub]
		fmt.Fprintf(w, "  grassroots %s %s\n      %s\n      %s\n", sub, c.args, c.en, c.zh)
	}
	fmt.Fprintf(w, "\nRun \"grassroots %s COMMAND -h\" for the flags of a command.\n", cmd)
}

// group answers the command line of a command with subcommands when it
// names none, or asks for help: the help on standard output (success), or
// on standard error when no subcommand was named (a usage error). ok is
// false when the caller should go on with args[0] as the subcommand.
func (m *Main) group(cmd string, args []string) (done bool, err error) {
	switch {
	case len(args) == 0:
		printGroup(m.Stderr, cmd)
		return true, ErrUsage
	case isHelp(args[0]):
		printGroup(m.Stdout, cmd)
		return true, nil
	case commands[cmd+" "+args[0]] == (synopsis{}):
		fmt.Fprintf(m.Stderr, "grassroots %s: unknown command %q\n\n", cmd, args[0])
		printGroup(m.Stderr, cmd)
		return true, ErrUsage
	}
	return false, nil
}

// newFlags returns the flag set of a command, its help drawn from commands.
func (m *Main) newFlags(cmd string) *flag.FlagSet {
	fs := flag.NewFlagSet("grassroots "+cmd, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {}
	return fs
}

// printUsage writes the help of the command of fs to w.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	cmd := strings.TrimPrefix(fs.Name(), "grassroots ")
	s := commands[cmd]
	fmt.Fprintf(w, "Usage: grassroots %s %s\n", cmd, s.args)
	if s.en != "" {
		fmt.Fprintf(w, "  %s\n  %s\n", s.en, s.zh)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		out := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
}

// parseArgs parses the flags of args, which may come before, between or
// after the positional arguments (`import people FILE -keep-good`); "--"
// ends the flags. It returns the positional arguments. Help asked for is
// printed on standard output (errHelp); a wrong flag is named on standard
// error with the command's help (ErrUsage).
func (m *Main) parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			printUsage(m.Stdout, fs)
			return nil, errHelp
		}
		if err != nil {
			fmt.Fprintln(m.Stderr)
			printUsage(m.Stderr, fs)
			return nil, ErrUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError names what is wrong with a command line and prints the
// command's help on standard error.
func (m *Main) usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(m.Stderr, fs.Name()+": "+format+"\n\n", args...)
	printUsage(m.Stderr, fs)
	return ErrUsage
}
