package cases

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDescription is the longest description a report may have (Open311's
// 4,000 characters).
const MaxDescription = 4000

// FullName joins a first and a last name in the order the name's script
// expects. A Latin (or other spaced) name reads "first last". A Chinese
// name is written family name first without a space: a client that
// follows the Open311 fields (first_name = given name) sends 明 / 王 and
// gets 王明; one that splits what the reporter typed at the first space
// (FixMyStreet sends "张 三" as first 张, last 三) gets 张三 back. The
// family name is recognised from the common surnames; where neither part
// is one, the parts keep the order they came in.
func FullName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" || last == "" {
		return first + last
	}
	if !han(first) && !han(last) {
		return first + " " + last
	}
	if surname(last) && !surname(first) {
		return last + first
	}
	return first + last
}

// han reports whether s is written in Chinese characters.
func han(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// surname reports whether s is a common Chinese family name (single or
// compound).
func surname(s string) bool {
	switch utf8.RuneCountInString(s) {
	case 1:
		return strings.Contains(singleSurnames, s)
	case 2:
		return slices.Contains(compoundSurnames, s)
	}
	return false
}

// The commonest family names, which between them cover nine in ten
// people in mainland China, and the compound ones still in use.
const singleSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付傅方邹熊白孟秦邱侯江尹薛闫阎段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文施洪辛柯庄樊殷祝颜童牛翁葛伍苗邢骆安温倪左涂丘尤鲁庞纪聂耿单焦甘詹欧符俞兰关祁凌盛卞岳齐饶柴裴谷包车褚卫戚喻柏窦鲍岑滕毕邬卜穆萧"

var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "澹台", "呼延", "赫连", "申屠", "司空", "钟离"}

// mediaURL reports whether u is an absolute http(s) link a client may
// attach: stored and shown as a link, never fetched by the server.
func mediaURL(u string) bool {
	if len(u) > 2000 {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil
}

// has reports whether v is one of a list attribute's keys.
func (a Attribute) has(v string) bool {
	return slices.ContainsFunc(a.Values, func(x AttributeValue) bool { return x.Key == v })
}

// Answer is an answer to the attribute as people read it: its question
// and the names of the chosen values, never their keys.
func (a Attribute) Answer(v string) string {
	label := a.Description
	if label == "" {
		label = a.Code
	}
	if a.Datatype != "singlevaluelist" && a.Datatype != "multivaluelist" {
		return label + "：" + v
	}
	var names []string
	for _, k := range strings.Split(v, ",") {
		name := k
		for _, x := range a.Values {
			if x.Key == k {
				name = x.Name
			}
		}
		names = append(names, name)
	}
	return label + "：" + strings.Join(names, "、")
}
