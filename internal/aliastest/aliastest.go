// Package aliastest helps tests check that a result shares no memory with
// the value that made it: [Scribble] overwrites everything a copy of the
// result reaches, and the test then computes the result again.
package aliastest

import "reflect"

// Scribble overwrites, through the pointer p, every exported string,
// integer, float and bool reachable through exported fields, slice and
// array elements, pointers, interfaces and map values (a value held in an
// interface or a map is scribbled as a copy and stored back). Unexported fields are left
// alone. Values shared with whatever made the result show up as changes
// there.
func Scribble(p any) { scribble(reflect.ValueOf(p)) }

func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Interface:
		// the value an interface holds is not addressable: scribble a copy
		// and store it back
		if !v.IsNil() {
			e := reflect.New(v.Elem().Type()).Elem()
			e.Set(v.Elem())
			scribble(e)
			if v.CanSet() {
				v.Set(e)
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scribble(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			scribble(e)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString("scribbled")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(-7)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.CanSet() {
			v.SetUint(7)
		}
	case reflect.Float32, reflect.Float64:
		if v.CanSet() {
			v.SetFloat(-7)
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	}
}
