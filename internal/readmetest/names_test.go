package readmetest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// decls are the exported names of one package: its top-level names, and
// per type its fields (promoted ones of embedded types of the package
// too) and methods.
type decls struct {
	top     map[string]bool
	members map[string]map[string]bool
	embeds  map[string][]string
}

func (d *decls) has(typ, member string) bool {
	if d.members[typ][member] {
		return true
	}
	for _, e := range d.embeds[typ] {
		if d.members[e][member] {
			return true
		}
	}
	return false
}

// parseDecls reads the non-test Go files of the package in dir.
func parseDecls(t *testing.T, dir string) *decls {
	t.Helper()
	d := &decls{top: map[string]bool{}, members: map[string]map[string]bool{}, embeds: map[string][]string{}}
	member := func(typ, name string) {
		if d.members[typ] == nil {
			d.members[typ] = map[string]bool{}
		}
		d.members[typ][name] = true
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch x := decl.(type) {
			case *ast.FuncDecl:
				if x.Recv == nil {
					d.top[x.Name.Name] = true
					continue
				}
				typ := x.Recv.List[0].Type
				if s, ok := typ.(*ast.StarExpr); ok {
					typ = s.X
				}
				if id, ok := typ.(*ast.Ident); ok {
					member(id.Name, x.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range x.Specs {
					switch s := spec.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							d.top[n.Name] = true
						}
					case *ast.TypeSpec:
						d.top[s.Name.Name] = true
						st, ok := s.Type.(*ast.StructType)
						if !ok {
							continue
						}
						for _, fl := range st.Fields.List {
							for _, n := range fl.Names {
								member(s.Name.Name, n.Name)
							}
							if len(fl.Names) == 0 {
								typ := fl.Type
								if s, ok := typ.(*ast.StarExpr); ok {
									typ = s.X
								}
								if id, ok := typ.(*ast.Ident); ok {
									member(s.Name.Name, id.Name)
									d.embeds[s.Name.Name] = append(d.embeds[s.Name.Name], id.Name)
								}
							}
						}
					}
				}
			}
		}
	}
	return d
}

// TestMetricNames checks every Go name of the README's metric table (its
// last column: root package names, Type.Member, pkg.Name or
// pkg.Type.Member) against the declarations of the module's packages.
func TestMetricNames(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "## Metric definitions")
	if start < 0 {
		t.Fatal("README.md has no metric table")
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	pkgs := map[string]*decls{"": parseDecls(t, root)}
	code := regexp.MustCompile("`([^`]+)`")
	names := 0
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") || strings.TrimSpace(cells[1]) == "metric" {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[len(cells)-2], -1) {
			name := m[1]
			parts := strings.Split(name, ".")
			pkg := ""
			if first := parts[0]; first != "" && first[0] >= 'a' && first[0] <= 'z' {
				pkg, parts = first, parts[1:]
			}
			d, ok := pkgs[pkg]
			if !ok {
				dir := filepath.Join(root, pkg)
				if _, err := os.Stat(dir); err != nil {
					t.Errorf("%s: no package %s in the module", name, pkg)
					continue
				}
				d = parseDecls(t, dir)
				pkgs[pkg] = d
			}
			names++
			switch {
			case len(parts) == 1 && d.top[parts[0]]:
			case len(parts) == 2 && d.top[parts[0]] && d.has(parts[0], parts[1]):
			default:
				t.Errorf("the metric table names %s, which the package does not declare", name)
			}
		}
	}
	if names < 50 {
		t.Errorf("found %d names in the metric table; the table's shape changed?", names)
	}
}
