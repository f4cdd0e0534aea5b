package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
)

// OpDoc describes an API operation for the OpenAPI document.
type OpDoc struct {
	Summary  string
	Tag      string
	Query    []Param
	Body     any // a value of the request body type, or nil
	Response any // a value of the 2xx response type, or nil for no body
	Status   int // success status; 200 when zero
	// BodyTypes are the media types of a body sent as bytes (an upload);
	// ResponseType that of a response sent as bytes (a download).
	BodyTypes    []string
	ResponseType string
}

// Param is a query parameter.
type Param struct {
	Name, Type, Description string
	Required                bool
}

// PageQuery are the pagination parameters of every list.
var PageQuery = []Param{
	{Name: "cursor", Type: "string", Description: "next_cursor of the previous page"},
	{Name: "limit", Type: "integer", Description: "page size, 1–500, default 50"},
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)\.{0,3}\}`)

// OpenAPI builds the OpenAPI 3.1 document of the registered API routes.
func (rt *Router) OpenAPI(version string) map[string]any {
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	gen := &schemaGen{defs: schemas}
	gen.schema(reflect.TypeOf(Problem{})) // registers components/schemas/Problem
	for _, r := range rt.Routes() {
		if r.Kind != KindAPI {
			continue
		}
		op := map[string]any{"summary": r.Doc.Summary, "operationId": operationID(r)}
		if r.Doc.Tag != "" {
			op["tags"] = []string{r.Doc.Tag}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Doc.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required,
				"description": q.Description, "schema": map[string]any{"type": q.Type}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.Doc.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": gen.schema(reflect.TypeOf(r.Doc.Body))}}}
		}
		if len(r.Doc.BodyTypes) > 0 {
			content := map[string]any{}
			for _, t := range r.Doc.BodyTypes {
				content[t] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		st := r.Doc.Status
		if st == 0 {
			st = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(st)}
		if r.Doc.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": gen.schema(reflect.TypeOf(r.Doc.Response))}}
		}
		if r.Doc.ResponseType != "" {
			ok["content"] = map[string]any{r.Doc.ResponseType: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		}
		problem := map[string]any{"description": "problem details (RFC 9457)", "content": map[string]any{
			"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/web.Problem"}}}}
		op["responses"] = map[string]any{strconv.Itoa(st): ok, "default": problem}
		if r.Perm != authz.Public {
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
			op["x-permission"] = string(r.Perm)
		}
		p := pathParam.ReplaceAllString(r.Path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Grassroots API (基层治理平台)", "version": version,
			"description": "JSON API. Authenticate with a session cookie or `Authorization: Bearer <token>`. Every failure is application/problem+json with a stable `code`. Lists use cursor pagination: pass `next_cursor` back as `cursor`."},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie},
			},
		},
	}
}

func operationID(r Route) string {
	s := strings.ToLower(r.Method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", ".", "").Replace(r.Path)
	return s
}

// schemaGen turns Go types into JSON Schema, registering named structs as
// components.
type schemaGen struct{ defs map[string]any }

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{} // any JSON value, e.g. a GeoJSON geometry
	case t.Kind() == reflect.Pointer:
		s := g.schema(t.Elem())
		return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = map[string]any{} // placeholder against recursion
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// schemaName qualifies a type by its package, so two modules' types of
// one name (FeatureCollection, say) stay apart.
func schemaName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	if pkg != "" {
		pkg += "."
	}
	return pkg + bareName(t)
}

func bareName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 { // generic: List[pkg.T] → TList
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		return inner + n[:i]
	}
	return n
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	o := map[string]any{"type": "object", "properties": props}
	if required != nil {
		o["required"] = required
	}
	return o
}

// fields adds t's JSON fields to props; embedded structs without a JSON
// name are flattened, as encoding/json does.
func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			g.fields(ft, props, required)
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if d := f.Tag.Get("doc"); d != "" {
			s = map[string]any{"allOf": []any{s}, "description": d}
		}
		props[name] = s // an outer field shadows an embedded one, as in encoding/json
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer &&
			!slices.Contains(*required, name) {
			*required = append(*required, name)
		}
	}
}
